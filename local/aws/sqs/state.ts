// SQS's state on disk, per account and Region: the queue definitions in one JSON document under `<dataDir>/sqs/`
// (../regional-documents.ts), and each queue's messages in an append-only journal,
// `<dataDir>/sqs/messages/<account-region-queue-id>.jsonl`: one line per message sent, received (its new receipt
// and when it shows again), made visible, deleted, or the queue purged. Replaying the journal gives the queue back as
// it was; a journal grown well past its live messages is rewritten (atomically) with just them.
import path from 'node:path';
import { fileNameFor, JsonLines } from '../persistence.js';
import { RegionalDocuments, type RegionScope } from '../regional-documents.js';
import type { MessageAttributes } from './message-attributes.js';
import type { QueueDefinition } from './queues.js';

export interface StoredMessage {
  id: string;
  body: string;
  md5OfBody: string;
  attributes?: MessageAttributes;
  md5OfAttributes?: string;
  systemAttributes?: MessageAttributes;
  md5OfSystemAttributes?: string;
  senderId: string;
  /** Epoch milliseconds (wall clock), also where its retention is counted from. */
  sentAt: number;
  /** Epoch milliseconds before which it is not received (a delay, or the visibility timeout of a receive). */
  visibleAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  /** The latest receive's receipt: only a handle with it deletes the message. */
  receipt?: string;
  /** Set when a redrive policy moved it here from another queue. */
  deadLetterSourceArn?: string;
}

export type JournalEntry =
  | { event: 'sent'; message: StoredMessage }
  | { event: 'received'; id: string; receipt: string; at: number; visibleAt: number }
  | { event: 'visibility'; id: string; visibleAt: number }
  | { event: 'deleted'; id: string }
  | { event: 'purged' };

const FORMAT_VERSION = 1;

interface QueuesDocument {
  queues: QueueDefinition[];
}

export const createQueueDocuments = (
  dataDir: string,
): RegionalDocuments<Map<string, QueueDefinition>, QueuesDocument> =>
  new RegionalDocuments<Map<string, QueueDefinition>, QueuesDocument>({
    dir: path.join(dataDir, 'sqs'),
    version: FORMAT_VERSION,
    create: () => new Map(),
    toJson: (queues) => ({ queues: [...queues.values()] }),
    fromJson: (saved) => new Map(saved.queues.map((queue) => [queue.name, queue] as const)),
  });

/** One queue's journal: replayed into its messages, appended to, compacted. */
export class MessageJournal {
  private readonly lines: JsonLines<JournalEntry>;
  private written = 0;

  public constructor(dataDir: string, scope: RegionScope, queue: QueueDefinition) {
    const name = fileNameFor(`${scope.accountId}/${scope.region}/${queue.name}/${queue.id}`);
    this.lines = new JsonLines<JournalEntry>(path.join(dataDir, 'sqs', 'messages', `${name}.jsonl`));
  }

  /** The messages the journal describes, in the order they were sent. */
  public replay(): Map<string, StoredMessage> {
    const messages = new Map<string, StoredMessage>();
    const entries = this.lines.read();
    this.written = entries.length;
    for (const entry of entries) {
      if (entry.event === 'sent') messages.set(entry.message.id, entry.message);
      else if (entry.event === 'purged') messages.clear();
      else if (entry.event === 'deleted') messages.delete(entry.id);
      else {
        const message = messages.get(entry.id);
        if (!message) continue;
        message.visibleAt = entry.visibleAt;
        if (entry.event === 'received') {
          message.receiveCount += 1;
          message.firstReceivedAt ??= entry.at;
          message.receipt = entry.receipt;
        }
      }
    }
    return messages;
  }

  public append(entry: JournalEntry): void {
    this.lines.append(entry);
    this.written += 1;
  }

  /** Rewrites the journal as the live messages when it has grown to more than twice their number (and 64 lines). */
  public compactIfLarge(messages: Map<string, StoredMessage>): void {
    if (this.written <= 2 * messages.size + 64) return;
    this.lines.replace([...messages.values()].map((message) => ({ event: 'sent' as const, message })));
    this.written = messages.size;
  }

  public delete(): void {
    this.lines.delete();
    this.written = 0;
  }
}
