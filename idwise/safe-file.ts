import { constants } from 'node:fs';
import { lstat, open, readlink, realpath, type FileHandle } from 'node:fs/promises';
import { dirname, isAbsolute, normalize, sep } from 'node:path';
import { isUnderRoot, ROOT_REFUSED, type ImageSources } from './image-sources.js';

// Opens a file only when it is a regular file under an allowed root, checked on the opened descriptor so
// that swapping the file (or a folder above it) for a symlink between the check and the open cannot work.

export type FileProblem = 'refused' | 'relative' | 'missing' | 'not-file' | 'unreadable' | 'too-large';

/** `message` is safe to show anywhere: no path, no size, no existence of anything outside the roots. */
export class FileSourceError extends Error {
  override readonly name = 'FileSourceError';
  constructor(
    readonly problem: FileProblem,
    message: string,
  ) {
    super(message);
  }
}

const MESSAGES: Record<FileProblem, string> = {
  refused: ROOT_REFUSED,
  relative: 'must be an absolute file path',
  missing: 'does not exist',
  'not-file': 'is not a regular file',
  unreadable: 'cannot be read',
  'too-large': 'is too large',
};
const problem = (p: FileProblem, detail = '') => new FileSourceError(p, MESSAGES[p] + detail);

export interface AllowedFile {
  handle: FileHandle;
  size: number;
}

/**
 * Resolves `path` with realpath, refuses anything outside the roots, then opens it with O_NOFOLLOW (and
 * O_NONBLOCK, so a FIFO swapped in cannot block the open) and checks the descriptor: a regular file, the
 * same inode that was checked and, where /proc exists, still under a root.
 */
export async function openAllowedFile(path: string, sources: ImageSources): Promise<AllowedFile> {
  if (!isAbsolute(path)) throw problem('relative');
  let real: string;
  try {
    real = await realpath(path);
  } catch (err) {
    // Only a path whose nearest existing folder really is inside a root may be reported as missing: through
    // a symlinked folder, "missing" would tell whether a file exists somewhere else. A symlink itself (dangling
    // or not) is refused like one that leads outside, so neither answer tells whether its target exists.
    if (!(await existingAncestorUnderRoot(path, sources.roots))) throw problem('refused');
    if (!sources.roots.includes(sep) && (await isSymlink(path))) throw problem('refused');
    throw (err as NodeJS.ErrnoException).code === 'ENOENT' ? problem('missing') : problem('unreadable');
  }
  if (!isUnderRoot(real, sources.roots)) throw problem('refused');
  const checked = await lstat(real).catch(() => null);
  if (!checked) throw problem('missing');
  if (!checked.isFile()) throw problem('not-file');
  // A hard link is the same file under a second name: one made inside a root to a file outside it passes every
  // path check. A regular file with more than one name is refused unless the operator vouches for the roots.
  if (checked.nlink > 1 && !sources.allowHardLinks) throw problem('refused', HARD_LINK_HINT);
  let handle: FileHandle;
  try {
    handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw code === 'ELOOP' ? problem('refused') : problem('unreadable', code ? ` (${code})` : '');
  }
  try {
    const opened = await handle.stat();
    if (!opened.isFile() || opened.ino !== checked.ino || opened.dev !== checked.dev) throw problem('refused');
    if (opened.nlink > 1 && !sources.allowHardLinks) throw problem('refused', HARD_LINK_HINT);
    const fdPath = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => null);
    if (fdPath !== null && !isUnderRoot(fdPath, sources.roots)) throw problem('refused');
    return { handle, size: opened.size };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** Said with a hard-link refusal: it names the setting, never the file. */
export const HARD_LINK_HINT =
  ' (a file with more than one hard link; set IDWISE_ALLOW_HARD_LINKS=on if the roots are yours alone)';

async function isSymlink(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => null))?.isSymbolicLink() === true;
}

async function existingAncestorUnderRoot(path: string, roots: readonly string[]): Promise<boolean> {
  for (let dir = dirname(normalize(path)); ; dir = dirname(dir)) {
    const real = await realpath(dir).catch(() => null);
    if (real !== null) return isUnderRoot(real, roots);
    if (dir === dirname(dir)) return false;
  }
}

/**
 * Reads a small text file (manifest, mapping, applicant details) under the roots, refusing it before
 * reading when it is larger than `maxBytes`; a file that grows meanwhile is cut off at the limit and refused.
 */
export async function readAllowedText(path: string, sources: ImageSources, maxBytes: number): Promise<string> {
  const { handle, size } = await openAllowedFile(path, sources);
  try {
    if (size > maxBytes) throw problem('too-large', ` (the limit is ${maxBytes} bytes)`);
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > maxBytes) throw problem('too-large', ` (the limit is ${maxBytes} bytes)`);
    }
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    await handle.close();
  }
}
