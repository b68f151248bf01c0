// Per account and Region state of the emulated services that keep it in memory (ElastiCache, SNS), created on first
// use, partitioned the way AWS partitions it.
/** Per account and Region state, created on first use. */
export class RegionalStore<T> {
  private readonly states = new Map<string, T>();

  public constructor(private readonly create: (accountId: string, region: string) => T) {}

  public get(scope: { accountId: string; region: string }): T {
    const key = `${scope.accountId}/${scope.region}`;
    let state = this.states.get(key);
    if (!state) {
      state = this.create(scope.accountId, scope.region);
      this.states.set(key, state);
    }
    return state;
  }
}
