import { basename, extname } from 'node:path';
import type { ImageSources } from '../idwise/index.js';
import { InputFileError, MANIFEST_MAX_BYTES, readInputText } from '../client/input-file.js';
import { parseJsonOrWhere } from '../client/json-text.js';
import { CsvSyntaxError, looksLikeFormula, parseCsv } from './csv.js';

// A manifest file into raw rows, one per journey. A problem with the whole file (unreadable, not JSON, bad
// CSV syntax) throws ManifestFileError; a problem with one row travels with the row and is reported for it.

export interface RawManifestRow {
  data: unknown;
  /** Why this row cannot run, found while reading (formula-like CSV cell, duplicate reference). */
  problem?: string;
}

export class ManifestFileError extends Error {
  override readonly name = 'ManifestFileError';
}

const CSV_COLUMNS = ['reference_no', 'flow_id', 'mapping'] as const;

function csvRows(text: string): RawManifestRow[] {
  const [header, ...rows] = parseCsv(text);
  if (!header)
    throw new ManifestFileError('is empty: the first line must name the columns reference_no,flow_id,mapping');
  const cols = header.cells.map((h) => h.trim());
  for (const required of CSV_COLUMNS) {
    if (!cols.includes(required))
      throw new ManifestFileError(`needs a "${required}" column in its first line (reference_no,flow_id,mapping)`);
  }
  return rows.map(({ cells, line }) => {
    const at = `line ${line}`;
    if (cells.length !== cols.length)
      return { data: null, problem: `${at} has ${cells.length} cells, the header has ${cols.length}` };
    const formula = cells.findIndex(looksLikeFormula);
    if (formula >= 0) {
      return {
        data: null,
        problem:
          `${at}: ${cols[formula]} starts with = + - @ or a tab, which spreadsheets run as a formula ` +
          '(CSV injection); remove that first character',
      };
    }
    const get = (name: string) => cells[cols.indexOf(name)]?.trim() ?? '';
    const details = cols.includes('applicant_details') ? get('applicant_details') : '';
    return {
      data: {
        referenceNo: get('reference_no'),
        flowId: get('flow_id'),
        mapping: get('mapping'),
        ...(details ? { applicantDetails: { file: details } } : {}),
      },
    };
  });
}

function jsonRows(text: string): RawManifestRow[] {
  const parsed = parseJsonOrWhere(text);
  if (!parsed.ok)
    throw new ManifestFileError(
      parsed.where === 'is empty' ? parsed.where : `${parsed.where}; use .csv for CSV manifests`,
    );
  const json = parsed.value as { journeys?: unknown };
  const rows = Array.isArray(json) ? json : Array.isArray(json?.journeys) ? json.journeys : null;
  if (!rows) throw new ManifestFileError('must be a JSON array of journeys or { "journeys": [...] }');
  return rows.map((data: unknown) => ({ data }));
}

/** A second row with the same reference would start (or skip) the same journey: it is reported instead. */
function markDuplicates(rows: RawManifestRow[]): RawManifestRow[] {
  const first = new Map<string, number>();
  rows.forEach((row, i) => {
    const ref = (row.data as { referenceNo?: unknown } | null)?.referenceNo;
    if (typeof ref !== 'string' || row.problem) return;
    const key = ref.trim();
    const seen = first.get(key);
    if (seen === undefined) first.set(key, i + 1);
    else row.problem = `referenceNo duplicates row ${seen}; give every applicant a reference of its own`;
  });
  return rows;
}

/** Messages start with "manifest <file name>", e.g. `manifest applicants.csv line 4 has a quote that is never closed`. */
export async function readManifestRows(path: string, sources: ImageSources): Promise<RawManifestRow[]> {
  let text: string;
  try {
    text = await readInputText(path, { what: 'manifest', sources, maxBytes: MANIFEST_MAX_BYTES });
  } catch (err) {
    if (err instanceof InputFileError) throw new ManifestFileError(err.message);
    throw err;
  }
  try {
    return markDuplicates(extname(path).toLowerCase() === '.csv' ? csvRows(text) : jsonRows(text));
  } catch (err) {
    if (err instanceof CsvSyntaxError || err instanceof ManifestFileError)
      throw new ManifestFileError(`manifest ${basename(path)} ${err.message}`);
    throw err;
  }
}
