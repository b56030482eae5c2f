import { createHash, randomUUID } from 'node:crypto';
import { Journal } from './sqs-journal.ts';

/** A message attribute as SQS carries it (String and Number types; Binary is not used here). */
export interface MessageAttribute {
  DataType: string;
  StringValue?: string;
}

/** One message on a queue, with what SQS tracks about it. */
interface StoredMessage {
  id: string;
  body: string;
  md5: string;
  attributes?: Record<string, MessageAttribute>;
  sentAt: number;
  receiveCount: number;
  firstReceiveAt?: number;
  /** Hidden until this instant (ms) after a receive; 0 when visible. Not journalled: see `open`. */
  visibleAt: number;
  /** The latest receipt handle; only it deletes the message, as in SQS. */
  receipt?: string;
}

interface StoredQueue {
  name: string;
  attributes: Record<string, string>;
  messages: Map<string, StoredMessage>;
}

/** What the journal records, one line per change. */
type JournalEntry =
  | { op: 'queue'; name: string; attributes: Record<string, string> }
  | {
      op: 'send';
      q: string;
      id: string;
      body: string;
      md5: string;
      attributes?: Record<string, MessageAttribute>;
      sentAt: number;
    }
  | { op: 'receive'; q: string; id: string; count: number; at: number }
  | { op: 'delete'; q: string; id: string }
  | { op: 'move'; from: string; to: string; id: string };

/** A received message, as ReceiveMessage returns it. */
export interface ReceivedMessage {
  id: string;
  receipt: string;
  body: string;
  md5: string;
  attributes?: Record<string, MessageAttribute>;
  system: Record<string, string>;
}

/** A queue operation that SQS refuses, with SQS's error code. */
export class SqsFault extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** What a restart found on the journal: messages acknowledged before the process stopped. */
export interface Recovered {
  queues: { name: string; messages: number }[];
  messages: number;
}

const ACCOUNT = '000000000000';
/** Compact when the journal is this long and mostly history (deleted messages). */
const COMPACT_AFTER_LINES = 20_000;

/**
 * The queues of the local SQS: standard queues with visibility timeout, receive count and redrive
 * to a dead-letter queue, as https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/
 * describes them. With a journal every change is written before the call returns. In-flight state
 * is not journalled: after a restart every message is visible again, because the consumer that held
 * it died with the process (the processor is idempotent, so a redelivery is harmless).
 */
export class SqsBroker {
  readonly #queues = new Map<string, StoredQueue>();
  readonly #journal: Journal<JournalEntry> | undefined;
  readonly #now: () => number;
  readonly recovered: Recovered;

  private constructor(journal: Journal<JournalEntry> | undefined, now: () => number) {
    this.#journal = journal;
    this.#now = now;
    this.recovered = { queues: [], messages: 0 };
  }

  /** In memory only (tests), or journalled to `path` and restored from it. */
  static open(opts: { path?: string; now?: () => number } = {}): SqsBroker {
    const now = opts.now ?? Date.now;
    if (!opts.path) return new SqsBroker(undefined, now);
    const entries = Journal.read<JournalEntry>(opts.path);
    const broker = new SqsBroker(new Journal<JournalEntry>(opts.path), now);
    for (const entry of entries) broker.#apply(entry);
    broker.recovered.queues = [...broker.#queues.values()]
      .map((q) => ({ name: q.name, messages: q.messages.size }))
      .filter((q) => q.messages > 0);
    broker.recovered.messages = broker.recovered.queues.reduce((sum, q) => sum + q.messages, 0);
    broker.#compact();
    return broker;
  }

  close(): void {
    this.#journal?.close();
  }

  /** Creates a queue, or updates the attributes of an existing one (restart with new settings). */
  createQueue(name: string, attributes: Record<string, string>): void {
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) {
      throw new SqsFault('InvalidParameterValue', `queue name ${name} must be 1-80 letters, digits, - or _`);
    }
    const merged = { ...(this.#queues.get(name)?.attributes ?? {}), ...attributes };
    this.#write({ op: 'queue', name, attributes: merged });
  }

  setAttributes(name: string, attributes: Record<string, string>): void {
    this.#queue(name);
    this.createQueue(name, attributes);
  }

  /** The queue a URL names (`…/<account>/<name>`), or a QueueDoesNotExist fault. */
  queueOfUrl(url: string): string {
    const name = url.split('/').pop() ?? '';
    this.#queue(name);
    return name;
  }

  has(name: string): boolean {
    return this.#queues.has(name);
  }

  arnOf(name: string): string {
    return queueArn(name);
  }

  /** Queues one message; refuses a body over the queue's MaximumMessageSize. */
  send(
    name: string,
    body: string,
    attributes?: Record<string, MessageAttribute>,
  ): { id: string; md5: string } {
    const queue = this.#queue(name);
    const max = Number(queue.attributes.MaximumMessageSize ?? 262_144);
    const size = Buffer.byteLength(body) + attributeBytes(attributes);
    if (size > max) {
      throw new SqsFault(
        'InvalidParameterValue',
        `message of ${size} bytes exceeds MaximumMessageSize ${max}`,
      );
    }
    const id = randomUUID();
    const md5 = createHash('md5').update(body, 'utf8').digest('hex');
    this.#write({
      op: 'send',
      q: name,
      id,
      body,
      md5,
      ...(attributes ? { attributes } : {}),
      sentAt: this.#now(),
    });
    return { id, md5 };
  }

  /**
   * Hands out up to `max` visible messages, hiding each for the visibility timeout. A message
   * already received `maxReceiveCount` times moves to the dead-letter queue instead (SQS redrive).
   */
  receive(name: string, max: number, visibilityTimeoutSeconds?: number): ReceivedMessage[] {
    const queue = this.#queue(name);
    const now = this.#now();
    const hideMs = 1000 * (visibilityTimeoutSeconds ?? Number(queue.attributes.VisibilityTimeout ?? 30));
    const redrive = parseRedrive(queue.attributes.RedrivePolicy);
    const out: ReceivedMessage[] = [];
    for (const m of [...queue.messages.values()]) {
      if (out.length >= max) break;
      if (m.visibleAt > now) continue;
      if (redrive && m.receiveCount >= redrive.maxReceiveCount && this.#queues.has(redrive.dlq)) {
        this.#write({ op: 'move', from: name, to: redrive.dlq, id: m.id });
        continue;
      }
      this.#write({ op: 'receive', q: name, id: m.id, count: m.receiveCount + 1, at: now });
      m.visibleAt = now + hideMs;
      m.receipt = `${m.id}:${randomUUID()}`;
      out.push({
        id: m.id,
        receipt: m.receipt,
        body: m.body,
        md5: m.md5,
        ...(m.attributes ? { attributes: m.attributes } : {}),
        system: {
          ApproximateReceiveCount: String(m.receiveCount),
          SentTimestamp: String(m.sentAt),
          ApproximateFirstReceiveTimestamp: String(m.firstReceiveAt ?? now),
          SenderId: 'local',
        },
      });
    }
    return out;
  }

  /** Deletes a message by its latest receipt handle; an outdated handle deletes nothing (as SQS). */
  delete(name: string, receipt: string): void {
    const queue = this.#queue(name);
    const m = queue.messages.get(receipt.split(':')[0] ?? '');
    if (!m) return;
    if (m.receipt !== receipt) {
      throw new SqsFault(
        'ReceiptHandleIsInvalid',
        'the receipt handle is not the latest one of this message',
      );
    }
    this.#write({ op: 'delete', q: name, id: m.id });
  }

  /** Changes how long a received message stays hidden, counted from now. */
  changeVisibility(name: string, receipt: string, seconds: number): void {
    const m = this.#queue(name).messages.get(receipt.split(':')[0] ?? '');
    if (!m || m.receipt !== receipt) {
      throw new SqsFault(
        'ReceiptHandleIsInvalid',
        'the receipt handle is not the latest one of this message',
      );
    }
    m.visibleAt = this.#now() + seconds * 1000;
  }

  /** The queue's attributes with SQS's approximate counters. */
  attributes(name: string): Record<string, string> {
    const queue = this.#queue(name);
    const now = this.#now();
    let visible = 0;
    for (const m of queue.messages.values()) if (m.visibleAt <= now) visible++;
    return {
      VisibilityTimeout: '30',
      MaximumMessageSize: '262144',
      MessageRetentionPeriod: '345600',
      ...queue.attributes,
      QueueArn: this.arnOf(name),
      ApproximateNumberOfMessages: String(visible),
      ApproximateNumberOfMessagesNotVisible: String(queue.messages.size - visible),
      ApproximateNumberOfMessagesDelayed: '0',
    };
  }

  purge(name: string): void {
    for (const id of [...this.#queue(name).messages.keys()]) this.#write({ op: 'delete', q: name, id });
  }

  #queue(name: string): StoredQueue {
    const queue = this.#queues.get(name);
    if (!queue) throw new SqsFault('QueueDoesNotExist', `the queue ${name} does not exist`);
    return queue;
  }

  /** Journal first, then apply: what a caller is told happened is on disk. */
  #write(entry: JournalEntry): void {
    this.#journal?.append(entry);
    this.#apply(entry);
    if (this.#journal && this.#journal.lines > COMPACT_AFTER_LINES) {
      const live = [...this.#queues.values()].reduce((sum, q) => sum + q.messages.size, 0);
      if (this.#journal.lines > 4 * live) this.#compact();
    }
  }

  #apply(entry: JournalEntry): void {
    switch (entry.op) {
      case 'queue': {
        const queue = this.#queues.get(entry.name);
        if (queue) queue.attributes = entry.attributes;
        else
          this.#queues.set(entry.name, {
            name: entry.name,
            attributes: entry.attributes,
            messages: new Map(),
          });
        return;
      }
      case 'send':
        this.#queues.get(entry.q)?.messages.set(entry.id, {
          id: entry.id,
          body: entry.body,
          md5: entry.md5,
          ...(entry.attributes ? { attributes: entry.attributes } : {}),
          sentAt: entry.sentAt,
          receiveCount: 0,
          visibleAt: 0,
        });
        return;
      case 'receive': {
        const m = this.#queues.get(entry.q)?.messages.get(entry.id);
        if (m) {
          m.receiveCount = entry.count;
          m.firstReceiveAt ??= entry.at;
        }
        return;
      }
      case 'delete':
        this.#queues.get(entry.q)?.messages.delete(entry.id);
        return;
      case 'move': {
        const m = this.#queues.get(entry.from)?.messages.get(entry.id);
        const to = this.#queues.get(entry.to);
        if (!m || !to) return;
        this.#queues.get(entry.from)?.messages.delete(entry.id);
        to.messages.set(m.id, { ...m, visibleAt: 0, receipt: undefined });
        return;
      }
    }
  }

  /** Rewrites the journal as the live state: queues, then each message with its receive count. */
  #compact(): void {
    if (!this.#journal) return;
    const entries: JournalEntry[] = [];
    for (const q of this.#queues.values()) {
      entries.push({ op: 'queue', name: q.name, attributes: q.attributes });
      for (const m of q.messages.values()) {
        entries.push({
          op: 'send',
          q: q.name,
          id: m.id,
          body: m.body,
          md5: m.md5,
          ...(m.attributes ? { attributes: m.attributes } : {}),
          sentAt: m.sentAt,
        });
        if (m.receiveCount > 0) {
          entries.push({
            op: 'receive',
            q: q.name,
            id: m.id,
            count: m.receiveCount,
            at: m.firstReceiveAt ?? m.sentAt,
          });
        }
      }
    }
    this.#journal.compact(entries);
  }
}

function parseRedrive(policy: string | undefined): { dlq: string; maxReceiveCount: number } | undefined {
  if (!policy) return undefined;
  try {
    const parsed = JSON.parse(policy) as { deadLetterTargetArn?: string; maxReceiveCount?: number | string };
    const dlq = parsed.deadLetterTargetArn?.split(':').pop();
    const maxReceiveCount = Number(parsed.maxReceiveCount);
    return dlq && maxReceiveCount > 0 ? { dlq, maxReceiveCount } : undefined;
  } catch {
    return undefined;
  }
}

/** SQS counts attribute names, types and values towards the message size. */
function attributeBytes(attributes: Record<string, MessageAttribute> | undefined): number {
  let total = 0;
  for (const [name, v] of Object.entries(attributes ?? {})) {
    total += Buffer.byteLength(name) + Buffer.byteLength(v.DataType) + Buffer.byteLength(v.StringValue ?? '');
  }
  return total;
}

/** The ARN of a local queue (one account, one region): what a redrive policy names. */
export function queueArn(name: string): string {
  return `arn:aws:sqs:us-east-1:${ACCOUNT}:${name}`;
}
