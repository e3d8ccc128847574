import { randomUUID } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { bounded, SluiceError } from '../../core/errors.ts';
import type { ObjectStore, PutObjectInput } from '../../core/ports.ts';
import { replaceFileAtomically, syncDirectory } from './durable-file.ts';

/** An object as stored by {@link FsObjectStore}. */
export interface StoredObject {
  body: Buffer;
  contentType: string;
  contentEncoding?: string;
}

export interface FsObjectStoreOptions {
  /**
   * Keep Content-Type / Content-Encoding in a sidecar file under `<rootDir>/.sluice-meta/` so that
   * `getObject` can return them. Default true; costs one extra small atomic write per object.
   */
  metadata?: boolean;
}

/** Temp files live beside the buckets (same filesystem, so rename is atomic) but outside any key space. */
const TMP_DIR = '.sluice-tmp';
const META_DIR = '.sluice-meta';
const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
/** S3's limit on a key, in UTF-8 bytes. */
const MAX_KEY_BYTES = 1024;
/**
 * One path segment, not starting with a dot, so a bucket can never be `.`, `..`, or collide with the
 * store's own `.sluice-*` directories. Looser than S3's current rules on purpose: legacy bucket names
 * (upper case, underscores) still exist and harm nothing here.
 */
const BUCKET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;

/**
 * The embedded S3 of the local runtime: object `<bucket>/<key>` is the file `<rootDir>/<bucket>/<key>`,
 * so delivered data can be inspected with ordinary tools. Every write is atomic and durable (temp file,
 * fsync, rename, fsync of the directory): a reader sees the old object, the new one or none, never a
 * partial body, and an acknowledged put survives a power cut.
 */
export class FsObjectStore implements ObjectStore {
  private readonly metadata: boolean;
  /** Directories known to exist (created durably, or seen): skips two syscalls per put on the hot path. */
  private readonly knownDirs = new Set<string>();

  constructor(
    readonly rootDir: string,
    options: FsObjectStoreOptions = {},
  ) {
    this.metadata = options.metadata ?? true;
  }

  async putObject(input: PutObjectInput): Promise<void> {
    const path = this.objectPath(input.bucket, input.key);
    const meta = this.metadata ? this.metaPath(input.bucket, input.key) : undefined;
    try {
      // The sidecar goes first so that whoever sees the new object also finds its metadata.
      if (meta) {
        const stored = { contentType: input.contentType, contentEncoding: input.contentEncoding };
        await this.writeAtomically(meta, Buffer.from(JSON.stringify(stored)));
      }
      await this.writeAtomically(path, input.body);
    } catch (error) {
      throw mapFsError(error, input.bucket, input.key);
    }
  }

  /** The object, or `undefined` if there is none. */
  async getObject(bucket: string, key: string): Promise<StoredObject | undefined> {
    const path = this.objectPath(bucket, key);
    let body: Buffer;
    try {
      body = await readFile(path);
    } catch (error) {
      if (isErrno(error, 'ENOENT', 'ENOTDIR', 'EISDIR')) return undefined;
      throw error;
    }
    const object: StoredObject = { body, contentType: DEFAULT_CONTENT_TYPE };
    if (!this.metadata) return object;
    try {
      const stored = JSON.parse(await readFile(this.metaPath(bucket, key), 'utf8')) as Partial<StoredObject>;
      if (typeof stored.contentType === 'string') object.contentType = stored.contentType;
      if (typeof stored.contentEncoding === 'string') object.contentEncoding = stored.contentEncoding;
    } catch (error) {
      // An object copied in by hand has no sidecar; S3 would report its default type too.
      if (!isErrno(error, 'ENOENT', 'ENOTDIR')) throw error;
    }
    return object;
  }

  /** Every key in the bucket starting with `prefix`, in S3's listing order (UTF-8 byte order). */
  async listObjects(bucket: string, prefix = ''): Promise<string[]> {
    const bucketDir = join(this.rootDir, checkBucket(bucket));
    let entries: Dirent[];
    try {
      entries = await readdir(bucketDir, { recursive: true, withFileTypes: true });
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return [];
      throw error;
    }
    const keys: string[] = [];
    for (const entry of entries) {
      // Directories are listed too; only files are objects.
      if (!entry.isFile()) continue;
      const key = relative(bucketDir, join(entry.parentPath, entry.name)).split(sep).join('/');
      if (key.startsWith(prefix)) keys.push(key);
    }
    return keys.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  }

  /**
   * Removes temp files left by a process that died mid-write. Call at startup, before any put: a
   * concurrent put's temp file would be removed too. Returns how many were removed.
   */
  async removeStaleTempFiles(): Promise<number> {
    const tmp = join(this.rootDir, TMP_DIR);
    let names: string[];
    try {
      names = await readdir(tmp);
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return 0;
      throw error;
    }
    await Promise.all(names.map((name) => rm(join(tmp, name), { force: true })));
    return names.length;
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.knownDirs.has(dir)) return;
    await mkdirDurably(dir);
    // Bounded: one entry per directory this process wrote into (date paths grow by one an hour).
    if (this.knownDirs.size > 10_000) this.knownDirs.clear();
    this.knownDirs.add(dir);
  }

  private objectPath(bucket: string, key: string): string {
    return join(this.rootDir, checkBucket(bucket), ...keySegments(key));
  }

  private metaPath(bucket: string, key: string): string {
    const segments = keySegments(key);
    segments[segments.length - 1] += '.json';
    return join(this.rootDir, META_DIR, checkBucket(bucket), ...segments);
  }

  private async writeAtomically(path: string, body: Uint8Array | readonly Uint8Array[]): Promise<void> {
    const tmpDir = join(this.rootDir, TMP_DIR);
    await this.ensureDir(tmpDir);
    await this.ensureDir(dirname(path));
    try {
      await replaceFileAtomically(path, body, join(tmpDir, randomUUID()));
    } catch (error) {
      // Someone removed a directory under us: forget it, so the retry creates it again.
      if (isErrno(error, 'ENOENT')) this.knownDirs.clear();
      throw error;
    }
  }
}

/** The path segments of a key, or InvalidObjectKey if the key could leave its bucket or alias another key. */
function keySegments(key: string): string[] {
  const reject = (why: string): never => {
    throw new SluiceError(
      'InvalidObjectKey',
      `Object key ${JSON.stringify(bounded(key, 200))} cannot be stored on the local filesystem: ${why}. ` +
        'Change the stream prefix (or configure an S3 endpoint).',
    );
  };
  if (key.length === 0) reject('it is empty');
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) reject(`it is longer than ${MAX_KEY_BYTES} UTF-8 bytes`);
  if (key.includes('\0')) reject('it contains a NUL character');
  if (key.startsWith('/')) reject('it starts with "/"');
  if (sep !== '/' && key.includes(sep)) reject(`it contains "${sep}"`);
  const segments = key.split('/');
  for (const segment of segments) {
    if (segment === '..' || segment === '.') reject(`it contains a "${segment}" path segment`);
    // `a//b` and `a/b` would be the same file, and `a/` would be a directory rather than an object.
    if (segment === '') reject('it contains an empty path segment ("//" or a trailing "/")');
  }
  return segments;
}

function checkBucket(bucket: string): string {
  if (!BUCKET_NAME.test(bucket)) {
    throw new SluiceError(
      'InvalidBucketName',
      `Bucket name ${JSON.stringify(bounded(bucket))} is not valid: use letters, digits, ".", "-" or "_", ` +
        'starting with a letter or digit.',
    );
  }
  return bucket;
}

/** Creates `dir` and its missing parents, fsyncing each parent so the new entries are durable. */
async function mkdirDurably(dir: string): Promise<void> {
  const firstCreated = await mkdir(dir, { recursive: true });
  if (firstCreated === undefined) return;
  const created: string[] = [];
  // Bounded by the depth of `dir`: walk up from `dir` to the first directory mkdir created.
  for (let d = dir; d.length >= firstCreated.length; d = dirname(d)) {
    created.push(d);
    if (d === firstCreated) break;
  }
  for (const d of created) await syncDirectory(dirname(d));
}

function isErrno(error: unknown, ...codes: string[]): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && codes.includes(code);
}

/** Key shapes the filesystem cannot hold become InvalidObjectKey; anything else is an I/O failure. */
function mapFsError(error: unknown, bucket: string, key: string): unknown {
  if (error instanceof SluiceError) return error;
  const where = `s3://${bounded(bucket)}/${bounded(key, 200)}`;
  if (isErrno(error, 'ENOTDIR', 'EISDIR', 'EEXIST')) {
    return new SluiceError(
      'InvalidObjectKey',
      `Cannot store ${where}: another key uses one of its path segments as a file and the other as a ` +
        'directory (S3 allows both "a" and "a/b"; a filesystem does not).',
      { cause: error },
    );
  }
  if (isErrno(error, 'ENAMETOOLONG')) {
    return new SluiceError(
      'InvalidObjectKey',
      `Cannot store ${where}: a path segment is too long for the filesystem.`,
      {
        cause: error,
      },
    );
  }
  return new SluiceError('InternalError', `Writing ${where} to the local object store failed.`, {
    cause: error,
  });
}
