/**
 * Atomic text files: a temp file in the same folder, every byte written (short writes resumed, a write that
 * makes no progress is a full disk), fsync, size checked, rename, fsync of the folder. A reader never sees
 * half a file, and a failed write leaves neither a temp file nor a truncated target behind.
 *
 * `checkOutputPath` answers, before a run sends anything, whether its results file could be written there.
 */
import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statfsSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ColdprobeError } from '../core/errors.js';

/** The file-system calls the writer makes; replaceable so tests can inject short writes and failures. */
export interface WriterFs {
  openSync: (path: string, flags: string) => number;
  writeSync: (fd: number, buffer: Uint8Array, offset: number, length: number) => number;
  fsyncSync: (fd: number) => void;
  fstatSync: (fd: number) => { size: number };
  closeSync: (fd: number) => void;
  renameSync: (from: string, to: string) => void;
}

const nodeFs: WriterFs = { openSync, writeSync, fsyncSync, fstatSync, closeSync, renameSync };

/**
 * Write `text` to `path` atomically; `what` names the file in the error sentence (e.g. `results file`).
 * Throws a usage ColdprobeError with one sentence when the folder cannot be made, the disk is full, or the
 * rename fails; the previous file at `path` (if any) is then left as it was.
 */
export function writeFileAtomic(path: string, text: string, what: string, fs: WriterFs = nodeFs): void {
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new ColdprobeError('usage', `Cannot write ${what} ${path}: cannot create folder ${dir} (${codeOf(err)}).`, { cause: err });
  }
  const tmp = `${path}.${process.pid}.tmp`;
  const bytes = Buffer.from(text, 'utf8');
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'w');
    writeAll(fs, fd, bytes);
    // fsync before rename: after a crash the rename must not point at a file whose data never reached the disk.
    fs.fsyncSync(fd);
    const size = fs.fstatSync(fd).size;
    if (size !== bytes.byteLength) throw Object.assign(new Error(`wrote ${size} of ${bytes.byteLength} bytes`), { code: 'ESHORT' });
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, path);
  } catch (err) {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        // already failing; the original error is the one to report
      }
    }
    rmSync(tmp, { force: true });
    throw new ColdprobeError('usage', `Cannot write ${what} ${path} (${codeOf(err)}); nothing was written there.`, { cause: err });
  }
  // Persist the rename itself (the directory entry); best effort, not every platform can fsync a folder.
  try {
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // ignore: the data is written and renamed; only durability across a power loss is weaker
  }
}

/**
 * Write every byte: write(2) may write fewer bytes than asked (POSIX allows it, a filling disk does it), so
 * resume from where it stopped; a write that makes no progress at all is taken as a full disk.
 */
function writeAll(fs: WriterFs, fd: number, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.byteLength) {
    const written = fs.writeSync(fd, bytes, offset, bytes.byteLength - offset);
    if (!(written > 0)) {
      throw Object.assign(new Error(`the write stopped after ${offset} of ${bytes.byteLength} bytes`), { code: 'ENOSPC' });
    }
    offset += written;
  }
}

/** Roughly what one invocation adds to a results file, in bytes (measured ~430 B per record; doubled for slack). */
export const RESULTS_BYTES_PER_INVOCATION = 1024;

/**
 * Check, before anything is sent, that a file could be written at `path`: its folder exists or can be made,
 * `path` is not a folder, a file can be created beside it, and (when `expectedBytes` is given) the file
 * system has at least that much free space. Throws a usage ColdprobeError naming `flag` otherwise.
 */
export function checkOutputPath(path: string, flag: string, expectedBytes = 0): void {
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new ColdprobeError('usage', `${flag} ${path} cannot be written: cannot create folder ${dir} (${codeOf(err)}).`, { cause: err });
  }
  let isFolder = false;
  try {
    isFolder = statSync(path).isDirectory();
  } catch {
    // absent: fine, it will be created
  }
  if (isFolder) throw new ColdprobeError('usage', `${flag} ${path} is a folder; name a file, e.g. ${path.replace(/\/+$/, '')}/results.json.`);
  const probe = `${path}.${process.pid}.probe`;
  try {
    const fd = openSync(probe, 'w');
    closeSync(fd);
  } catch (err) {
    throw new ColdprobeError('usage', `${flag} ${path} cannot be written (${codeOf(err)}).`, { cause: err });
  } finally {
    rmSync(probe, { force: true });
  }
  if (expectedBytes <= 0) return;
  let freeBytes: number;
  try {
    const stats = statfsSync(dir);
    freeBytes = stats.bavail * stats.bsize;
  } catch {
    return; // no statfs here: the write itself will still detect a full disk
  }
  if (freeBytes < expectedBytes) {
    throw new ColdprobeError(
      'usage',
      `${flag} ${path} is on a file system with ${formatBytes(freeBytes)} free, and the results file needs about ${formatBytes(expectedBytes)}; free some space or choose another --out.`,
    );
  }
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KiB`;
  return `${n} bytes`;
}

/** Words for the file-system errors a user can fix. */
const ERRNO_WORDS: Record<string, string> = {
  EISDIR: 'it is a folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'the file is too large for the file system',
  EIO: 'an input/output error',
  ESHORT: 'the file on disk is shorter than what was written',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the path is a file, not a folder',
  // mkdir -p answers EEXIST when a part of the path exists as a file.
  EEXIST: 'a part of the path is a file, not a folder',
  ENOENT: 'it does not exist',
};

/** A file-system error as words (`permission denied`), else its errno code or message. */
export function codeOf(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string') return ERRNO_WORDS[code] ?? code;
  return err instanceof Error ? err.message : String(err);
}
