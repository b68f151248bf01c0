// S3 buckets and objects on disk: buckets and objects persist under `<dataDir>/s3/<bucket>/<key>` as real files, with
// their metadata in `<dataDir>/s3-meta/<bucket>.jsonl` (a KeyedJournal, persistence.ts: the bucket, then one line per
// object put or deleted, compacted as it grows), and are reloaded when the emulator restarts. Object content arrives
// as a finished temporary file (written and checked while streaming, see body.ts) and is renamed into place, and is
// read back as a stream, so no object is ever held in memory whole. The format before this one,
// `s3-meta/<bucket>.json` rewritten whole on every change, is read once and turned into a journal.
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { JsonDocument, KeyedJournal } from '../persistence.js';
import { type BucketRecord, crc32Of, md5Hex, type ObjectInput, type ObjectRecord } from './model.js';

// A key segment stored as is on disk: no leading dot (so `.blobs` and `..` cannot occur), portable characters.
const SAFE_SEGMENT = /^[A-Za-z0-9_\-=+,@()~][A-Za-z0-9._\-=+,@()~ ]*$/;
const MAX_SEGMENT_BYTES = 200;

const isSafeKeyPath = (key: string): boolean =>
  key.split('/').every((segment) => SAFE_SEGMENT.test(segment) && Buffer.byteLength(segment) <= MAX_SEGMENT_BYTES);

/** What is known of an object's content once it is written: computed while it streamed to disk. */
export interface ObjectContent {
  size: number;
  md5Hex: string;
  /** Base64 big-endian CRC32. */
  crc32: string;
}

/** The format of the old `s3-meta/<bucket>.json` (a JsonDocument); 1 since it became one. */
const META_FORMAT_VERSION = 1;
/** The format of `s3-meta/<bucket>.jsonl` (a KeyedJournal of the bucket's objects, the bucket as its head). */
const JOURNAL_FORMAT_VERSION = 1;
const JOURNAL_SUFFIX = '.jsonl';

/** A metadata file written before it carried a format version: the BucketFile itself. */
const legacyBucketFile = (saved: unknown): BucketFile | undefined => {
  const file = saved as Partial<BucketFile>;
  return typeof file.bucket?.name === 'string' && Array.isArray(file.objects) ? (file as BucketFile) : undefined;
};

interface BucketFile {
  bucket: BucketRecord;
  objects: ObjectRecord[];
}

interface BucketEntry {
  bucket: BucketRecord;
  objects: Map<string, ObjectRecord>;
  journal: KeyedJournal<ObjectRecord, BucketRecord>;
  /** The objects in listing order, made on the first listing and kept in order as objects come and go. */
  sorted?: ObjectRecord[];
}

/** S3 lists keys in UTF-8 binary order. */
const keyOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** Where `key` is in `sorted`, or where it would go. */
const sortedIndex = (sorted: readonly ObjectRecord[], key: string): number => {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (keyOrder((sorted[middle] as ObjectRecord).key, key) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
};

/** Buckets and objects on disk; every change is written through, so a restart finds them again. */
export class S3Store {
  private readonly buckets = new Map<string, BucketEntry>();
  private readonly objectsDir: string;
  private readonly metaDir: string;
  private readonly tmpDir: string;

  public constructor(dataDir: string) {
    this.objectsDir = path.join(dataDir, 's3');
    this.metaDir = path.join(dataDir, 's3-meta');
    this.tmpDir = path.join(dataDir, '.tmp');
    for (const dir of [this.objectsDir, this.metaDir, this.tmpDir]) fs.mkdirSync(dir, { recursive: true });
    // Uploads a process that died mid-request left half-written are of no use to anyone (folders in it belong to
    // others, e.g. the server's spooled request bodies).
    for (const entry of fs.readdirSync(this.tmpDir, { withFileTypes: true })) {
      if (entry.isFile()) fs.rmSync(path.join(this.tmpDir, entry.name), { force: true });
    }
    this.load();
  }

  /** A bucket's journal; it compacts from the bucket's entry in memory, once there is one. */
  private journalAt(file: string, entry: () => BucketEntry | undefined): KeyedJournal<ObjectRecord, BucketRecord> {
    return new KeyedJournal<ObjectRecord, BucketRecord>(file, JOURNAL_FORMAT_VERSION, () => ({
      head: entry()?.bucket,
      entries: entry()?.objects ?? new Map(),
    }));
  }

  private journalFile(bucket: string): string {
    return path.join(this.metaDir, `${bucket}${JOURNAL_SUFFIX}`);
  }

  private entryFor(bucket: BucketRecord, objects: Map<string, ObjectRecord>): BucketEntry {
    const entry: BucketEntry = { bucket, objects, journal: this.journalAt(this.journalFile(bucket.name), () => entry) };
    return entry;
  }

  /** The objects of a saved bucket whose files are there: the files are the truth for content. */
  private present(bucket: string, objects: Iterable<ObjectRecord>): Map<string, ObjectRecord> {
    const found = new Map<string, ObjectRecord>();
    for (const object of objects) {
      if (fs.existsSync(this.objectPath(bucket, object.file))) found.set(object.key, object);
    }
    return found;
  }

  private load(): void {
    for (const name of fs.readdirSync(this.metaDir)) {
      // Temporary files of an interrupted write start with a dot (persistence.ts).
      if (name.startsWith('.')) continue;
      if (name.endsWith(JOURNAL_SUFFIX)) this.loadJournal(path.join(this.metaDir, name));
    }
    for (const name of fs.readdirSync(this.metaDir)) {
      if (!name.startsWith('.') && name.endsWith('.json')) this.migrate(path.join(this.metaDir, name));
    }
  }

  private loadJournal(file: string): void {
    let entry: BucketEntry | undefined;
    const journal = this.journalAt(file, () => entry);
    const saved = journal.read();
    if (!saved?.head) return;
    entry = { bucket: saved.head, objects: this.present(saved.head.name, saved.entries.values()), journal };
    this.buckets.set(saved.head.name, entry);
  }

  /** A bucket saved in the previous format: turned into a journal, then the old file is removed. */
  private migrate(file: string): void {
    const saved = new JsonDocument<BucketFile>(file, META_FORMAT_VERSION, legacyBucketFile).read();
    if (saved && !this.buckets.has(saved.bucket.name)) {
      const entry = this.entryFor(saved.bucket, this.present(saved.bucket.name, saved.objects));
      entry.journal.replace({ head: entry.bucket, entries: entry.objects });
      this.buckets.set(saved.bucket.name, entry);
    }
    fs.rmSync(file, { force: true });
  }

  private bucketDir(bucket: string): string {
    return path.join(this.objectsDir, bucket);
  }

  private objectPath(bucket: string, file: string): string {
    return path.join(this.bucketDir(bucket), file);
  }

  public getBucket(name: string): BucketRecord | undefined {
    return this.buckets.get(name)?.bucket;
  }

  public listBuckets(): BucketRecord[] {
    return [...this.buckets.values()].map((entry) => entry.bucket).sort((a, b) => a.name.localeCompare(b.name));
  }

  public createBucket(bucket: BucketRecord): void {
    const entry = this.entryFor(bucket, new Map());
    this.buckets.set(bucket.name, entry);
    fs.mkdirSync(this.bucketDir(bucket.name), { recursive: true });
    entry.journal.replace({ head: bucket, entries: entry.objects });
  }

  public updateBucket(name: string, change: (bucket: BucketRecord) => void): void {
    const entry = this.buckets.get(name);
    if (!entry) throw new Error(`No bucket ${name}`);
    change(entry.bucket);
    entry.journal.setHead(entry.bucket);
  }

  public deleteBucket(name: string): void {
    const entry = this.buckets.get(name);
    this.buckets.delete(name);
    fs.rmSync(this.bucketDir(name), { recursive: true, force: true });
    entry?.journal.remove();
  }

  /** Objects of a bucket sorted by key (UTF-8 binary order, as S3 lists them); not to be changed by the caller. */
  public listObjects(bucket: string): readonly ObjectRecord[] {
    const entry = this.buckets.get(bucket);
    if (!entry) return [];
    entry.sorted ??= [...entry.objects.values()].sort((a, b) => keyOrder(a.key, b.key));
    return entry.sorted;
  }

  public headObject(bucket: string, key: string): ObjectRecord | undefined {
    return this.buckets.get(bucket)?.objects.get(key);
  }

  /** The whole object in memory, for inspecting small ones (tests); the S3 API streams them (readObject). */
  public getObject(bucket: string, key: string): { record: ObjectRecord; body: Buffer } | undefined {
    const record = this.headObject(bucket, key);
    if (!record) return undefined;
    return { record, body: fs.readFileSync(this.objectPath(bucket, record.file)) };
  }

  /**
   * The object's content from `start` to `end` (inclusive) as a stream. The file is opened now, so an object
   * replaced or deleted while the stream is read still reads whole (the open file outlives its name).
   */
  public readObject(bucket: string, key: string, range?: { start: number; end: number }): Readable | undefined {
    const record = this.headObject(bucket, key);
    if (!record) return undefined;
    const fd = fs.openSync(this.objectPath(bucket, record.file), 'r');
    return fs.createReadStream('', { fd, autoClose: true, ...(range && { start: range.start, end: range.end }) });
  }

  /** The absolute path of an object's file (for tests and the demo). */
  public objectFile(bucket: string, key: string): string | undefined {
    const record = this.headObject(bucket, key);
    return record ? this.objectPath(bucket, record.file) : undefined;
  }

  /** Stores a body held in memory (seeding, the emulated ElastiCache export). */
  public putObject(bucket: string, key: string, body: Buffer, input: ObjectInput = {}): ObjectRecord {
    const temporary = this.temporaryFile();
    fs.writeFileSync(temporary, body);
    return this.putObjectFile(
      bucket,
      key,
      temporary,
      { size: body.length, md5Hex: md5Hex(body), crc32: crc32Of(body) },
      input,
    );
  }

  /**
   * Moves a finished temporary file (on the data folder's file system) into place as the object's content; the
   * digests were computed while it was written. The file is gone afterwards, whether this succeeds or throws.
   */
  public putObjectFile(
    bucket: string,
    key: string,
    temporary: string,
    content: ObjectContent,
    input: ObjectInput = {},
  ): ObjectRecord {
    try {
      const entry = this.buckets.get(bucket);
      if (!entry) throw new Error(`No bucket ${bucket}`);
      const previous = entry.objects.get(key);
      if (previous) this.removeFile(bucket, previous.file);
      const file = this.placeFor(bucket, key);
      const target = this.objectPath(bucket, file);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.renameSync(temporary, target);
      const record: ObjectRecord = {
        key,
        size: content.size,
        etag: `"${content.md5Hex}"`,
        lastModified: new Date().toISOString(),
        crc32: content.crc32,
        metadata: input.metadata ?? {},
        file,
        ...(input.contentType && { contentType: input.contentType }),
        ...(input.contentEncoding && { contentEncoding: input.contentEncoding }),
        ...(input.cacheControl && { cacheControl: input.cacheControl }),
        ...(input.contentDisposition && { contentDisposition: input.contentDisposition }),
        ...(input.contentLanguage && { contentLanguage: input.contentLanguage }),
        ...(input.serverSideEncryption && { serverSideEncryption: input.serverSideEncryption }),
        ...(input.sseKmsKeyId && { sseKmsKeyId: input.sseKmsKeyId }),
      };
      entry.objects.set(key, record);
      if (entry.sorted) {
        const index = sortedIndex(entry.sorted, key);
        entry.sorted.splice(index, entry.sorted[index]?.key === key ? 1 : 0, record);
      }
      entry.journal.set(key, record);
      return record;
    } finally {
      fs.rmSync(temporary, { force: true });
    }
  }

  /** Removes a temporary file if it is still there (it was not moved into place). */
  public discardTemporary(file: string): void {
    fs.rmSync(file, { force: true });
  }

  /** A fresh temporary file name in the data folder (same file system as the objects, so a rename moves it). */
  public temporaryFile(): string {
    return path.join(this.tmpDir, randomUUID());
  }

  public deleteObject(bucket: string, key: string): boolean {
    const entry = this.buckets.get(bucket);
    const record = entry?.objects.get(key);
    if (!entry || !record) return false;
    entry.objects.delete(key);
    const index = entry.sorted ? sortedIndex(entry.sorted, key) : -1;
    if (entry.sorted?.[index]?.key === key) entry.sorted.splice(index, 1);
    this.removeFile(bucket, record.file);
    entry.journal.delete(key);
    return true;
  }

  /**
   * The file for a key: the key itself as a path when every segment is portable and no other object's file or
   * folder is in the way (`a` and `a/b` cannot both be files), else `.blobs/<sha256 of key>`.
   */
  private placeFor(bucket: string, key: string): string {
    const bucketDir = this.bucketDir(bucket);
    if (isSafeKeyPath(key)) {
      const segments = key.split('/');
      let blocked = false;
      for (let depth = 1; depth < segments.length && !blocked; depth += 1) {
        const parent = path.join(bucketDir, ...segments.slice(0, depth));
        blocked = fs.existsSync(parent) && !fs.statSync(parent).isDirectory();
      }
      const target = path.join(bucketDir, ...segments);
      if (!blocked && !(fs.existsSync(target) && fs.statSync(target).isDirectory())) return segments.join('/');
    }
    return `.blobs/${createHash('sha256').update(key).digest('hex')}`;
  }

  private removeFile(bucket: string, file: string): void {
    const bucketDir = this.bucketDir(bucket);
    let target = this.objectPath(bucket, file);
    fs.rmSync(target, { force: true });
    // Prune folders left empty, up to the bucket's folder.
    target = path.dirname(target);
    while (target.startsWith(bucketDir) && target !== bucketDir) {
      try {
        fs.rmdirSync(target);
      } catch {
        break;
      }
      target = path.dirname(target);
    }
  }
}
