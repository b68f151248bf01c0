// One queue's messages and their life: sent (and visible after any delay), received (invisible for the visibility
// timeout, with a new receipt each time and the receive counted), deleted with the latest receipt, made visible
// again, purged, and gone once older than the queue's retention period. Durations are emulated seconds on the
// scaled clock (LOCAL_TIME_SCALE real seconds each): at scale 0.05 the default visibility timeout of 30 s is 1.5 s
// and the default retention of 4 days is 4.8 hours. At scale 0 delays and visibility timeouts are over at once but
// messages are kept: retention is a lifetime, not a wait, and a queue that empties itself at once would be useless.
// Long polls wait on the same clock. Every change is journaled (state.ts) before it is answered.
import type { Clock } from '../../clock.js';
import type { MessageJournal, StoredMessage } from './state.js';

export interface QueueCounts {
  visible: number;
  notVisible: number;
  delayed: number;
}

export class QueueMessages {
  private readonly messages: Map<string, StoredMessage>;
  private readonly waiters = new Set<() => void>();

  public constructor(
    private readonly journal: MessageJournal,
    private readonly clock: Clock,
  ) {
    this.messages = journal.replay();
    journal.compactIfLarge(this.messages);
  }

  private now(): number {
    return this.clock.now().getTime();
  }

  /** Forgets messages older than the retention period (emulated seconds). */
  public expire(retentionSeconds: number): void {
    if (this.clock.timeScale === 0) return;
    const oldest = this.now() - this.clock.realMs(retentionSeconds);
    for (const [id, message] of this.messages) {
      if (message.sentAt <= oldest) this.messages.delete(id);
    }
  }

  public add(message: StoredMessage): void {
    this.journal.append({ event: 'sent', message });
    this.messages.set(message.id, message);
    this.wake();
  }

  /** Messages that may be received now, oldest first. */
  public visible(): StoredMessage[] {
    const now = this.now();
    return [...this.messages.values()].filter((message) => message.visibleAt <= now);
  }

  /** Marks a message received: a new receipt, counted, invisible for the visibility timeout (emulated seconds). */
  public markReceived(message: StoredMessage, receipt: string, visibilitySeconds: number): void {
    const at = this.now();
    const visibleAt = at + this.clock.realMs(visibilitySeconds);
    this.journal.append({ event: 'received', id: message.id, receipt, at, visibleAt });
    message.receiveCount += 1;
    message.firstReceivedAt ??= at;
    message.receipt = receipt;
    message.visibleAt = visibleAt;
  }

  public get(id: string): StoredMessage | undefined {
    return this.messages.get(id);
  }

  public remove(id: string): boolean {
    if (!this.messages.has(id)) return false;
    this.journal.append({ event: 'deleted', id });
    this.messages.delete(id);
    this.journal.compactIfLarge(this.messages);
    return true;
  }

  /** ChangeMessageVisibility: shows again after `seconds` of emulated time from now (0: at once). */
  public setVisibility(message: StoredMessage, seconds: number): void {
    const visibleAt = this.now() + this.clock.realMs(seconds);
    this.journal.append({ event: 'visibility', id: message.id, visibleAt });
    message.visibleAt = visibleAt;
    if (seconds === 0) this.wake();
  }

  public purge(): void {
    this.journal.append({ event: 'purged' });
    this.messages.clear();
    this.journal.compactIfLarge(this.messages);
  }

  public counts(): QueueCounts {
    const now = this.now();
    const counts: QueueCounts = { visible: 0, notVisible: 0, delayed: 0 };
    for (const message of this.messages.values()) {
      if (message.visibleAt <= now) counts.visible += 1;
      else if (message.receiveCount > 0) counts.notVisible += 1;
      else counts.delayed += 1;
    }
    return counts;
  }

  public all(): StoredMessage[] {
    return [...this.messages.values()];
  }

  /** When the next message hidden now becomes visible (epoch ms), if any does. */
  public nextVisibleAt(): number | undefined {
    const now = this.now();
    let next: number | undefined;
    for (const message of this.messages.values()) {
      if (message.visibleAt > now && (next === undefined || message.visibleAt < next)) next = message.visibleAt;
    }
    return next;
  }

  /**
   * Resolves when a message arrives or shows again, or after `ms` of real time, whichever comes first. The timer does
   * not keep the process alive, and `wakeAll` (the emulator stopping, the queue deleted) ends every wait.
   */
  public waitForChange(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      timer.unref();
      this.waiters.add(done);
    });
  }

  public wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /** DeleteQueue: the journal goes, and any long poll ends. */
  public drop(): void {
    this.journal.delete();
    this.messages.clear();
    this.wake();
  }
}
