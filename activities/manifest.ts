import { readFile, stat } from 'node:fs/promises';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { resolveMappingPaths } from '../client/mapping-file.js';
import { ApplicantDetailsSchema, type ApplicantDetails, type SealBinding } from '../pii/sealed-applicant-details.js';
import type { BatchEntry } from '../shared/batch.js';
import { ErrorType } from '../shared/errors.js';
import { describeIssues, JourneyInputSchema, type JourneyInput } from '../shared/journey.js';
import { parseCsv } from './csv.js';

// A batch manifest lists applicants, one journey each. JSON: an array (or { "journeys": [...] }) of
// { referenceNo, flowId, mapping, applicantDetails? }, where mapping is a mapping file path or an inline
// mapping table. CSV: columns reference_no, flow_id, mapping and optional applicant_details (a JSON file
// path). Relative paths resolve against the manifest's folder. A bad row is reported, never fatal.

const JsonRowSchema = z.looseObject({
  referenceNo: z.string(),
  flowId: z.string(),
  mapping: z.union([z.string().min(1), z.record(z.string(), z.unknown())]),
  applicantDetails: z.unknown().optional(),
});
const JsonManifestSchema = z.union([z.array(z.unknown()), z.object({ journeys: z.array(z.unknown()) })]);

interface RawRow {
  referenceNo: string;
  flowId: string;
  mapping: string | Record<string, unknown>;
  applicantDetails?: unknown;
}

export interface ManifestPage {
  entries: BatchEntry[];
  total: number;
}

export interface ManifestDeps {
  /** Seals applicant details for history, bound to their journey; absent when the worker has no PII keys. */
  sealApplicantDetails?: (details: ApplicantDetails, binding: SealBinding) => string;
}

function invalidManifest(path: string, why: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`manifest ${path} ${why}`, ErrorType.InvalidInput);
}

async function readRows(path: string): Promise<unknown[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw invalidManifest(path, `cannot be read by the worker (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (extname(path).toLowerCase() === '.csv') {
    const [header, ...rows] = parseCsv(text);
    const cols = header?.map((h) => h.trim()) ?? [];
    for (const required of ['reference_no', 'flow_id', 'mapping']) {
      if (!cols.includes(required))
        throw invalidManifest(path, `needs a "${required}" column; it has ${cols.join(', ')}`);
    }
    return rows.map((cells) => {
      const get = (name: string) => cells[cols.indexOf(name)]?.trim() ?? '';
      const details = cols.includes('applicant_details') ? get('applicant_details') : '';
      return {
        referenceNo: get('reference_no'),
        flowId: get('flow_id'),
        mapping: get('mapping'),
        ...(details ? { applicantDetails: { file: details } } : {}),
      };
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw invalidManifest(path, `is not valid JSON (${(err as Error).message}); use .csv for CSV manifests`);
  }
  const parsed = JsonManifestSchema.safeParse(json);
  if (!parsed.success) throw invalidManifest(path, 'must be a JSON array of journeys or { "journeys": [...] }');
  return Array.isArray(parsed.data) ? parsed.data : parsed.data.journeys;
}

async function readJsonFile(path: string, what: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch (err) {
    throw new Error(
      `${what} ${path} cannot be read as JSON (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
}

/** Reads rows [offset, offset + limit) of the manifest into ready-to-start journey inputs. */
export function createManifestActivities({ sealApplicantDetails }: ManifestDeps = {}) {
  async function toEntry(
    raw: unknown,
    row: number,
    baseDir: string,
    mappings: Map<string, unknown>,
  ): Promise<BatchEntry> {
    const parsedRow = JsonRowSchema.safeParse(raw);
    if (!parsedRow.success) return { row, invalid: describeIssues(parsedRow.error) };
    const r: RawRow = parsedRow.data;
    try {
      let mapping: unknown = r.mapping;
      if (typeof r.mapping === 'string') {
        const file = isAbsolute(r.mapping) ? r.mapping : resolve(baseDir, r.mapping);
        if (!mappings.has(file))
          mappings.set(file, resolveMappingPaths(await readJsonFile(file, 'mapping file'), dirname(file)));
        mapping = mappings.get(file);
      } else {
        mapping = resolveMappingPaths(r.mapping, baseDir);
      }
      let sealed: string | undefined;
      if (r.applicantDetails !== undefined) {
        if (!sealApplicantDetails) return { row, invalid: 'applicantDetails need IDWISE_PII_KEYS on the worker' };
        const source = r.applicantDetails as { file?: unknown };
        const details =
          typeof source.file === 'string'
            ? await readJsonFile(
                isAbsolute(source.file) ? source.file : resolve(baseDir, source.file),
                'applicant details file',
              )
            : r.applicantDetails;
        const parsedDetails = ApplicantDetailsSchema.safeParse(details);
        if (!parsedDetails.success) return { row, invalid: `applicantDetails: ${describeIssues(parsedDetails.error)}` };
        // Bound to the values the journey will validate to (the schema trims them).
        sealed = sealApplicantDetails(parsedDetails.data, {
          referenceNo: r.referenceNo.trim(),
          flowId: r.flowId.trim(),
        });
      }
      const journey: JourneyInput = {
        referenceNo: r.referenceNo,
        flowId: r.flowId,
        steps: mapping as JourneyInput['steps'],
        ...(sealed ? { sealedApplicantDetails: sealed } : {}),
      };
      const valid = JourneyInputSchema.safeParse(journey);
      if (!valid.success) return { row, referenceNo: r.referenceNo, invalid: describeIssues(valid.error) };
      return { row, referenceNo: valid.data.referenceNo, journey };
    } catch (err) {
      return { row, referenceNo: r.referenceNo, invalid: (err as Error).message };
    }
  }

  // The batch reads one page per run, so a large manifest would be read and parsed once per page. The last
  // one parsed is kept while its size and mtime stay the same; an edited manifest is read again.
  let cache: { key: string; rows: unknown[] } | null = null;
  async function cachedRows(path: string): Promise<unknown[]> {
    const info = await stat(path).catch(() => null);
    const key = info ? `${path}:${info.size}:${info.mtimeMs}` : null;
    if (key && cache?.key === key) return cache.rows;
    const rows = await readRows(path);
    cache = key ? { key, rows } : null;
    return rows;
  }

  return {
    async readManifestPage({
      manifest,
      offset,
      limit,
    }: {
      manifest: string;
      offset: number;
      limit: number;
    }): Promise<ManifestPage> {
      const rows = await cachedRows(manifest);
      const mappings = new Map<string, unknown>();
      const entries: BatchEntry[] = [];
      for (const [i, raw] of rows.slice(offset, offset + limit).entries()) {
        entries.push(await toEntry(raw, offset + i + 1, dirname(manifest), mappings));
      }
      return { entries, total: rows.length };
    },
  };
}
