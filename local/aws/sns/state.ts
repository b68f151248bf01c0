// SNS's state and how it persists: per account and Region the topics (with their attributes) and subscriptions, saved
// as one JSON document under `<dataDir>/sns/` (see ../regional-documents.ts) and rewritten on every change; and the
// log of published messages, an append-only journal `<dataDir>/sns/messages.jsonl` read back at start.
import path from 'node:path';
import { JsonLines } from '../persistence.js';
import { RegionalDocuments } from '../regional-documents.js';
import type { PublishedMessage } from './messages.js';

export interface Topic {
  arn: string;
  name: string;
  attributes: Map<string, string>;
}

export interface Subscription {
  arn: string;
  topicArn: string;
  protocol: string;
  endpoint: string;
  owner: string;
  confirmed: boolean;
}

export interface SnsState {
  topics: Map<string, Topic>;
  subscriptions: Map<string, Subscription>;
}

/** The saved form of an SnsState (format version 1): attributes as [name, value] pairs. */
interface SnsDocument {
  topics: Array<{ arn: string; name: string; attributes: Array<[string, string]> }>;
  subscriptions: Subscription[];
}

const FORMAT_VERSION = 1;
export type SnsStore = RegionalDocuments<SnsState, SnsDocument>;

export const createSnsStore = (dataDir: string): SnsStore =>
  new RegionalDocuments<SnsState, SnsDocument>({
    dir: path.join(dataDir, 'sns'),
    version: FORMAT_VERSION,
    create: () => ({ topics: new Map(), subscriptions: new Map() }),
    toJson: (state) => ({
      topics: [...state.topics.values()].map((topic) => ({ ...topic, attributes: [...topic.attributes] })),
      subscriptions: [...state.subscriptions.values()],
    }),
    fromJson: (saved) => ({
      topics: new Map(
        saved.topics.map((topic) => [topic.arn, { ...topic, attributes: new Map(topic.attributes) }] as const),
      ),
      subscriptions: new Map(saved.subscriptions.map((subscription) => [subscription.arn, subscription] as const)),
    }),
  });

/** Every message published, oldest first, in memory and in the journal. */
export class MessageLog {
  private readonly journal: JsonLines<PublishedMessage>;
  private readonly messages: PublishedMessage[];

  public constructor(dataDir: string) {
    this.journal = new JsonLines<PublishedMessage>(path.join(dataDir, 'sns', 'messages.jsonl'));
    this.messages = this.journal.read();
  }

  /** Journal first: a message answered as published is one a restarted emulator still lists. */
  public append(message: PublishedMessage): void {
    this.journal.append(message);
    this.messages.push(message);
  }

  public get length(): number {
    return this.messages.length;
  }

  public all(): PublishedMessage[] {
    return this.messages.map((message) => ({ ...message }));
  }

  public clear(): void {
    this.journal.delete();
    this.messages.length = 0;
  }
}
