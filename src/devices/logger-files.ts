// The files of account loggers (issue 15 part 3): where they may be, and how they are written.
//
// Paths: absolute, already normalized (no `.`/`..` segments, no trailing slash), inside CARBONIO_LOG_DIR,
// with the real path of the parent directory inside the real log directory (a symlinked directory cannot
// lead out), and the file itself never followed if it is a symlink (O_NOFOLLOW).
//
// Ownership: a file this feature creates starts with HEADER. An existing file is only appended to when it
// starts with HEADER, so no logger can overwrite or pollute a file that is not a logger's (a database, a
// key, another service's log), even one inside the log directory. The check is repeated by every server
// process when it opens the file, since the add may have been made on another one.
//
// Several processes (on one host) append to the same file: each opens it O_APPEND and writes whole
// records with one write() call, which Linux appends atomically on a local file system, so records of
// different processes never interleave within a line; each record names its process (`node=`).
//
// Writing never blocks a request: records queue in memory and one write at a time drains the queue. A
// full queue (a stalled disk) drops records and says how many in the next one. A failing file is logged
// once, then retried after RETRY_MS; the logger stays. A file moved away or deleted (rotation) is noticed
// within REOPEN_CHECK_MS and created again.
import fs from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';
import { StoreError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';

export const HEADER = '# carbonio-mobile account log (carbonio mobile doAddAccountLogger)\n';
/** Records queued beyond this many bytes are dropped (and counted) until the file catches up. */
export const MAX_QUEUED_BYTES = 8 * 1024 * 1024;
const RETRY_MS = 30_000;
/** How often an open file is checked to still be the one at its path (rotated or deleted: reopened). */
const REOPEN_CHECK_MS = 5_000;
const MAX_PATH = 1024;

const invalid = (message: string): StoreError => new StoreError('invalid', message);

/** Whether `child` is `dir` itself or lies below it (both absolute, normalized). */
const within = (dir: string, child: string): boolean => child === dir || child.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);

/**
 * Checks a log file path against the rules above (creating the log directory itself when missing) and
 * returns it; StoreError 'invalid' with the reason otherwise. The parent directory must exist.
 */
export async function checkLogPath(logDir: string, file: string): Promise<string> {
  if (file.length === 0 || file.length > MAX_PATH || file.includes('\0')) throw invalid(`the log file must be a path of 1 to ${MAX_PATH} characters`);
  if (!path.isAbsolute(file)) throw invalid(`the log file must be an absolute path (inside ${logDir}), not "${file}"`);
  if (file.split(/[\\/]/).some((s) => s === '..' || s === '.') || path.normalize(file) !== file || file.endsWith(path.sep)) {
    throw invalid(`the log file must be a normalized path without "." or ".." segments, not "${file}"`);
  }
  if (!within(logDir, file) || file === logDir) throw invalid(`the log file must be inside the log directory ${logDir} (CARBONIO_LOG_DIR), not "${file}"`);
  await fs.mkdir(logDir, { recursive: true, mode: 0o750 });
  const realDir = await fs.realpath(logDir);
  let realParent: string;
  try {
    realParent = await fs.realpath(path.dirname(file));
  } catch {
    throw invalid(`the directory of the log file does not exist: ${path.dirname(file)}`);
  }
  if (!within(realDir, realParent)) throw invalid(`the log file's directory leads out of the log directory ${logDir} (symbolic link)`);
  return file;
}

/**
 * Opens the file for appending, creating it with HEADER, or, when it exists, only if it is a regular
 * file (no symlink followed) starting with HEADER. StoreError 'conflict' for a file that is not a logger's.
 */
export async function openLogFile(logDir: string, file: string): Promise<fs.FileHandle> {
  await checkLogPath(logDir, file);
  const append = constants.O_WRONLY | constants.O_APPEND | constants.O_NOFOLLOW;
  try {
    const fh = await fs.open(file, append | constants.O_CREAT | constants.O_EXCL, 0o640);
    try {
      await fh.write(HEADER);
    } catch (err) {
      await fh.close();
      throw err;
    }
    return fh;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  let head: string;
  try {
    const r = await fs.open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      if (!(await r.stat()).isFile()) throw notOurs(file);
      const buf = Buffer.alloc(HEADER.length);
      const { bytesRead } = await r.read(buf, 0, buf.length, 0);
      head = buf.subarray(0, bytesRead).toString('utf8');
    } finally {
      await r.close();
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw notOurs(file);
    throw err;
  }
  if (head !== HEADER) throw notOurs(file);
  return fs.open(file, append);
}

const notOurs = (file: string): StoreError =>
  new StoreError('conflict', `${file} exists and is not an account logger's file: choose another name (an existing file is never overwritten)`);

/** One file's append queue in this process. */
export class LogFileWriter {
  private fh: fs.FileHandle | null = null;
  private queue: string[] = [];
  private queued = 0;
  private dropped = 0;
  private draining: Promise<void> | null = null;
  private failedUntil = 0;
  private reported = false;
  private closed = false;
  private checkedAt = 0;

  private readonly reopenCheckMs: number;

  constructor(readonly file: string, private readonly logDir: string, private readonly log: Logger, opts: { reopenCheckMs?: number } = {}) {
    this.reopenCheckMs = opts.reopenCheckMs ?? REOPEN_CHECK_MS;
  }

  /** Queues one record (one or more whole lines); never waits, never throws. */
  write(record: string): void {
    if (this.closed || Date.now() < this.failedUntil) return;
    if (this.queued + record.length > MAX_QUEUED_BYTES) {
      this.dropped++;
      return;
    }
    if (this.dropped > 0) {
      const note = `# ${this.dropped} records dropped: the file could not keep up\n`;
      this.queue.push(note);
      this.queued += note.length;
      this.dropped = 0;
    }
    this.queue.push(record);
    this.queued += record.length;
    this.draining ??= this.drain();
  }

  /** Resolves when everything queued so far is written, or given up on (tests, orderly stop). */
  async flush(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** Takes no more records, writes the queued ones, closes the file. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    const fh = this.fh;
    this.fh = null;
    await fh?.close().catch(() => undefined);
  }

  /**
   * The open file. Every REOPEN_CHECK_MS it is checked to still be the file at the path: one moved away
   * (log rotation) or deleted is let go, and a new one is created with the header.
   */
  private async handle(): Promise<fs.FileHandle> {
    if (this.fh && Date.now() - this.checkedAt >= this.reopenCheckMs) {
      this.checkedAt = Date.now();
      const [atPath, open] = await Promise.all([fs.lstat(this.file).catch(() => null), this.fh.stat()]);
      if (!atPath || atPath.ino !== open.ino || atPath.dev !== open.dev) {
        const old = this.fh;
        this.fh = null;
        await old.close().catch(() => undefined);
      }
    }
    if (!this.fh) {
      this.fh = await openLogFile(this.logDir, this.file);
      this.checkedAt = Date.now();
    }
    return this.fh;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const fh = await this.handle();
        // One write() per batch: whole records, appended atomically next to other processes' records.
        const batch = this.queue.join('');
        this.queue = [];
        this.queued = 0;
        await fh.write(batch);
      }
      this.reported = false;
    } catch (err) {
      this.queue = [];
      this.queued = 0;
      this.failedUntil = Date.now() + RETRY_MS;
      const fh = this.fh;
      this.fh = null;
      await fh?.close().catch(() => undefined);
      if (!this.reported) {
        this.reported = true;
        this.log.error({ event: 'account-log-failed', file: this.file, err: err instanceof Error ? err.message : String(err) }, `account logger cannot write ${this.file}; retrying every ${RETRY_MS / 1000} s`);
      }
    } finally {
      this.draining = null;
    }
  }
}
