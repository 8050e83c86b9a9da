import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { FileSourceError, ImageRootsSchema, readAllowedText, type ImageSources } from '../idwise/index.js';
import { parseJsonOrWhere } from './json-text.js';

// Manifests, mapping files and applicant files: read only when they are regular files under the allowed
// roots and below a size cap (so /dev/zero or a 2 GB file fails at once), and never quoted back when they
// are not what was expected.

export const MANIFEST_MAX_BYTES = 10 * 1024 * 1024;
export const SMALL_FILE_MAX_BYTES = 1024 * 1024;

/** The CLI without IDWISE_IMAGE_ROOTS: any path the user can read, still only regular files under the caps. */
export const ANY_LOCAL_FILE: ImageSources = Object.freeze({ roots: ['/'], hosts: [], allowHardLinks: true });

export class InputFileError extends Error {
  override readonly name = 'InputFileError';
}

export interface InputFileOptions {
  /** "manifest", "mapping file", "applicant details file". */
  what: string;
  sources: ImageSources;
  maxBytes: number;
  /** How the file is named in messages; its base name by default (folders can name an applicant). */
  label?: string;
}

export async function readInputText(path: string, opts: InputFileOptions): Promise<string> {
  const label = opts.label ?? basename(path);
  try {
    return await readAllowedText(path, opts.sources, opts.maxBytes);
  } catch (err) {
    if (!(err instanceof FileSourceError)) throw err;
    // Refusals name nothing: whether a file exists outside the roots is not for the caller to learn.
    if (err.problem === 'refused') throw new InputFileError(`${opts.what}: ${err.message}`);
    if (err.problem === 'relative') throw new InputFileError(`${opts.what} ${label} ${err.message}`);
    throw new InputFileError(`${opts.what} ${label} ${err.message}`);
  }
}

export async function readJsonInput(path: string, opts: InputFileOptions): Promise<unknown> {
  const text = await readInputText(path, opts);
  const parsed = parseJsonOrWhere(text);
  if (!parsed.ok) throw new InputFileError(`${opts.what} ${opts.label ?? basename(path)} ${parsed.where}`);
  return parsed.value;
}

/**
 * The CLI reads --mapping and --applicant files with the worker's rule when IDWISE_IMAGE_ROOTS is set in its
 * environment, and from any readable path otherwise (it runs as the user, on the user's own files); the
 * regular-file check, the size cap and the parse-error rule apply either way.
 */
export function cliFileSources(env: NodeJS.ProcessEnv): ImageSources {
  const raw = env.IDWISE_IMAGE_ROOTS?.trim();
  if (!raw) return ANY_LOCAL_FILE;
  const parsed = ImageRootsSchema.safeParse(raw);
  if (!parsed.success)
    throw new InputFileError(`IDWISE_IMAGE_ROOTS ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return { roots: parsed.data, hosts: [], allowHardLinks: env.IDWISE_ALLOW_HARD_LINKS?.trim() === 'on' };
}

/**
 * `batch run` and `schedule create`: the worker reads the manifest, maybe on another machine, so a path
 * missing here is left to it; one that is here but is no regular file or too large is refused at once.
 */
export async function precheckManifest(path: string): Promise<void> {
  const info = await stat(resolve(path)).catch(() => null);
  if (!info) return;
  if (!info.isFile()) throw new InputFileError(`manifest ${path} is not a regular file`);
  if (info.size > MANIFEST_MAX_BYTES)
    throw new InputFileError(`manifest ${path} is too large (the limit is ${MANIFEST_MAX_BYTES} bytes)`);
}
