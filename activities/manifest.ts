import { stat } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { InputFileError, readJsonInput, SMALL_FILE_MAX_BYTES } from '../client/input-file.js';
import { resolveMappingPaths } from '../client/mapping-file.js';
import { NO_IMAGE_SOURCES, type ImageSources } from '../idwise/index.js';
import type { KeyRing } from '../codec/keys.js';
import { ApplicantDetailsSchema, type ApplicantDetails, type SealBinding } from '../pii/sealed-applicant-details.js';
import { sealStepMapping } from '../pii/sealed-image-refs.js';
import type { BatchEntry } from '../shared/batch.js';
import { ErrorType } from '../shared/errors.js';
import {
  describeIssues,
  JourneyInputSchema,
  journeyWorkflowId,
  startProblems,
  type JourneyInput,
} from '../shared/journey.js';
import { ManifestFileError, readManifestRows, type RawManifestRow } from './manifest-rows.js';

// A batch manifest lists applicants, one journey each. JSON: an array (or { "journeys": [...] }) of
// { referenceNo, flowId, mapping, applicantDetails? }, where mapping is a mapping file path or an inline
// mapping table. CSV: columns reference_no, flow_id, mapping and optional applicant_details (a JSON file
// path). Relative paths resolve against the manifest's folder. Manifests, mapping and applicant files are
// read only under IDWISE_IMAGE_ROOTS, as regular files below a size cap. A bad row is reported, never fatal.

const JsonRowSchema = z.looseObject({
  referenceNo: z.string({ error: 'referenceNo is required: the applicant reference, e.g. "applicant-001"' }),
  flowId: z.string({ error: 'flowId is required: the flow id from the IDWise dashboard' }),
  mapping: z.union([z.string().min(1), z.record(z.string(), z.unknown())], {
    error: 'mapping is required: a mapping file path or { "<step_id>": { "image": "..." } }',
  }),
  applicantDetails: z.unknown().optional(),
});

export interface ManifestPage {
  entries: BatchEntry[];
  total: number;
}

export interface ManifestDeps {
  /** Seals applicant details for history, bound to their journey; absent when the worker has no PII keys. */
  sealApplicantDetails?: (details: ApplicantDetails, binding: SealBinding) => string;
  /** Where manifests and the files they name may be read from; nothing when absent. */
  imageSources?: ImageSources;
  /** IDWISE_PII_KEYS: seals the rows' image references (pii/sealed-image-refs.ts); null leaves them as given. */
  piiKeys?: KeyRing | null;
}

/** Reads rows [offset, offset + limit) of the manifest into ready-to-start journey inputs. */
export function createManifestActivities({
  sealApplicantDetails,
  imageSources = NO_IMAGE_SOURCES,
  piiKeys = null,
}: ManifestDeps = {}) {
  const readJson = (path: string, what: string) =>
    readJsonInput(path, { what, sources: imageSources, maxBytes: SMALL_FILE_MAX_BYTES });
  const within = (baseDir: string, path: string) => (isAbsolute(path) ? path : resolve(baseDir, path));

  async function toEntry(
    raw: RawManifestRow,
    row: number,
    baseDir: string,
    mappings: Map<string, Promise<unknown>>,
  ): Promise<BatchEntry> {
    const ref = (raw.data as { referenceNo?: unknown } | null)?.referenceNo;
    const referenceNo = typeof ref === 'string' ? { referenceNo: ref } : {};
    if (raw.problem) return { row, ...referenceNo, invalid: raw.problem };
    const parsedRow = JsonRowSchema.safeParse(raw.data);
    if (!parsedRow.success) return { row, ...referenceNo, invalid: describeIssues(parsedRow.error) };
    const r = parsedRow.data;
    try {
      let mapping: unknown;
      if (typeof r.mapping === 'string') {
        const file = within(baseDir, r.mapping);
        if (!mappings.has(file))
          mappings.set(
            file,
            readJson(file, 'mapping file').then((m) => resolveMappingPaths(m, dirname(file))),
          );
        mapping = await mappings.get(file);
      } else {
        mapping = resolveMappingPaths(r.mapping, baseDir);
      }
      let sealed: string | undefined;
      if (r.applicantDetails !== undefined) {
        if (!sealApplicantDetails)
          return { row, ...referenceNo, invalid: 'applicantDetails need IDWISE_PII_KEYS on the worker' };
        const source = r.applicantDetails as { file?: unknown };
        const details =
          typeof source.file === 'string'
            ? await readJson(within(baseDir, source.file), 'applicant details file')
            : r.applicantDetails;
        const parsedDetails = ApplicantDetailsSchema.safeParse(details);
        if (!parsedDetails.success)
          return { row, ...referenceNo, invalid: `applicantDetails: ${describeIssues(parsedDetails.error)}` };
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
      if (!valid.success) return { row, ...referenceNo, invalid: describeIssues(valid.error) };
      const workflowId = journeyWorkflowId(valid.data.referenceNo);
      const { steps, issues } = sealStepMapping(valid.data.steps, workflowId, piiKeys);
      const problems = [...startProblems(valid.data), ...issues];
      if (problems.length > 0)
        return { row, ...referenceNo, invalid: problems.map((p) => `${p.path}: ${p.message}`).join('; ') };
      return { row, referenceNo: valid.data.referenceNo, journey: { ...journey, steps } };
    } catch (err) {
      if (err instanceof InputFileError) return { row, ...referenceNo, invalid: err.message };
      throw err;
    }
  }

  // The batch reads one page per run, so a large manifest would be read and parsed once per page. The last
  // one parsed is kept while its size and mtime stay the same; an edited manifest is read again.
  let cache: { key: string; rows: RawManifestRow[] } | null = null;
  async function cachedRows(path: string): Promise<RawManifestRow[]> {
    const info = await stat(path).catch(() => null);
    const key = info ? `${path}:${info.size}:${info.mtimeMs}` : null;
    if (key && cache?.key === key) return cache.rows;
    try {
      const rows = await readManifestRows(path, imageSources);
      cache = key ? { key, rows } : null;
      return rows;
    } catch (err) {
      if (err instanceof ManifestFileError) throw ApplicationFailure.nonRetryable(err.message, ErrorType.InvalidInput);
      throw err;
    }
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
      const mappings = new Map<string, Promise<unknown>>();
      const entries: BatchEntry[] = [];
      for (const [i, raw] of rows.slice(offset, offset + limit).entries()) {
        entries.push(await toEntry(raw, offset + i + 1, dirname(manifest), mappings));
      }
      return { entries, total: rows.length };
    },
  };
}
