// The local default event bus: rules with their event patterns and targets, as the stack deploys them
// (serverless.yml `eventBridge` events). Events put on the bus go to every enabled rule they match. A target is
// told each matching event once; what it does with it (an asynchronous Lambda invocation, with its own retries)
// is its own affair. Only what the local stack needs: no PutEvents API, no other buses.
import { type CompiledPattern, compilePattern } from './pattern.js';

export interface BusEvent {
  source: string;
  'detail-type': string;
}

export interface RuleSpec {
  name: string;
  pattern: unknown;
  /** Receives each matching event. */
  target: (event: BusEvent) => void;
}

interface Rule {
  name: string;
  matches: CompiledPattern;
  target: (event: BusEvent) => void;
}

export class EventBus {
  private readonly rules = new Map<string, Rule>();

  public constructor(private readonly log: (message: string, data: Record<string, unknown>) => void = () => {}) {}

  /** Adds (or replaces) a rule; an invalid or unsupported pattern throws here, not when events arrive. */
  public putRule(spec: RuleSpec): void {
    this.rules.set(spec.name, { name: spec.name, matches: compilePattern(spec.pattern), target: spec.target });
  }

  public ruleNames(): string[] {
    return [...this.rules.keys()];
  }

  /** Delivers the event to every matching rule's target; returns the names of the rules that matched. */
  public put(event: BusEvent): string[] {
    const matched: string[] = [];
    for (const rule of this.rules.values()) {
      if (!rule.matches(event)) continue;
      matched.push(rule.name);
      try {
        rule.target(event);
      } catch (error) {
        this.log('Event target failed', { rule: rule.name, error: String(error) });
      }
    }
    return matched;
  }
}
