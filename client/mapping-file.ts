import { dirname, isAbsolute, resolve } from 'node:path';
import type { ImageSources } from '../idwise/index.js';
import { describeIssues, StepMappingSchema, type StepMapping } from '../shared/journey.js';
import type { FlowStep } from '../shared/progress.js';
import { ANY_LOCAL_FILE, InputFileError, readJsonInput, SMALL_FILE_MAX_BYTES } from './input-file.js';

// The guide's step-to-file mapping table as a JSON file: { "<step_id>": { "image": "...", "image2": "..." } }.
// Relative paths are resolved against the file's own folder, so a mapping and its images travel together.

const isUrl = (v: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(v);

function resolveRef(ref: unknown, baseDir: string): unknown {
  if (typeof ref !== 'string' || ref.trim() === '' || isUrl(ref) || isAbsolute(ref)) return ref;
  return resolve(baseDir, ref);
}

/** Makes every relative image path absolute against `baseDir`, leaving URLs and other values as they are. */
export function resolveMappingPaths(raw: unknown, baseDir: string): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  return Object.fromEntries(
    Object.entries(raw).map(([stepId, files]) => {
      if (files === null || typeof files !== 'object' || Array.isArray(files)) return [stepId, files];
      const f = files as Record<string, unknown>;
      return [
        stepId,
        {
          ...f,
          ...('image' in f ? { image: resolveRef(f.image, baseDir) } : {}),
          ...('image2' in f ? { image2: resolveRef(f.image2, baseDir) } : {}),
        },
      ];
    }),
  );
}

export class MappingFileError extends Error {
  override readonly name = 'MappingFileError';
}

/**
 * Reads and validates a mapping file (a regular file of at most 1 MB, under `sources`' roots); every problem
 * names the file (as given) and the step field, never the file's content.
 */
export async function readMappingFile(path: string, sources: ImageSources = ANY_LOCAL_FILE): Promise<StepMapping> {
  const file = resolve(path);
  let json: unknown;
  try {
    json = await readJsonInput(file, { what: 'mapping file', sources, maxBytes: SMALL_FILE_MAX_BYTES, label: path });
  } catch (err) {
    if (err instanceof InputFileError) throw new MappingFileError(err.message);
    throw err;
  }
  // zod reports a bad record key only as "Invalid key in record": say which rule it broke.
  if (json !== null && typeof json === 'object' && Object.keys(json).some((k) => k.trim() === ''))
    throw new MappingFileError(`mapping file ${path}: step id must not be empty; use the flow's step ids, e.g. "0"`);
  const parsed = StepMappingSchema.safeParse(resolveMappingPaths(json, dirname(file)));
  if (!parsed.success) throw new MappingFileError(`mapping file ${path}: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/** A mapping table to fill in for a flow, built from the step ids the flow itself reported. */
// Optional steps start as skipped: replace `{ "skip": true }` with files to submit them.
export function mappingTemplate(
  steps: readonly FlowStep[],
): Record<string, { skip: true } | { image: string; image2: string }> {
  return Object.fromEntries(
    steps.map((s) => [
      s.stepId,
      s.optional
        ? { skip: true }
        : { image: `<path or https URL: ${s.type}, ${s.title}>`, image2: '<second side if any, else delete this key>' },
    ]),
  );
}
