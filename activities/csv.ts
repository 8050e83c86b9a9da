import { CsvError, parse } from 'csv-parse/sync';

// CSV manifests through csv-parse (RFC 4180: quoted fields may hold commas, "" and newlines; a UTF-8 BOM is
// accepted). Every error says where (the line) and never quotes the text, which may be anything.

/** Longest row accepted, in characters: a manifest row is a reference, a flow id and two paths. */
export const MAX_CSV_ROW_CHARS = 16 * 1024;

export interface CsvRow {
  cells: string[];
  /** 1-based line of the file where the row starts (quoted newlines make rows span lines). */
  line: number;
}

export class CsvSyntaxError extends Error {
  override readonly name = 'CsvSyntaxError';
}

const WHY: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: 'has a quote that is never closed',
  INVALID_OPENING_QUOTE: 'has a quote inside an unquoted field (quote the whole field and double inner quotes)',
  CSV_INVALID_CLOSING_QUOTE: 'has text right after a closing quote (double quotes inside a quoted field: "")',
  CSV_MAX_RECORD_SIZE: `has a row longer than ${MAX_CSV_ROW_CHARS} characters`,
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'has text right after a closing quote',
};

/** Rows without the blank lines. Throws CsvSyntaxError naming the line, e.g. `line 4 has a quote that is never closed`. */
export function parseCsv(text: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let nextLine = 1;
  try {
    parse(text, {
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      max_record_size: MAX_CSV_ROW_CHARS,
      on_record: (cells: string[], { lines }) => {
        // `lines` is where the row ends; newlines inside its quoted cells take it back to where it starts.
        const inner = cells.reduce((n, cell) => n + (cell.match(/\n/g)?.length ?? 0), 0);
        rows.push({ cells, line: lines - inner });
        nextLine = lines + 1;
        return null;
      },
    });
  } catch (err) {
    if (!(err instanceof CsvError)) throw err;
    // An unclosed quote is only noticed at the end of the file: point at where its row began.
    const line = err.code === 'CSV_QUOTE_NOT_CLOSED' ? nextLine : ((err as { lines?: number }).lines ?? nextLine);
    throw new CsvSyntaxError(`line ${line} ${WHY[err.code] ?? `is not valid CSV (${err.code})`}`);
  }
  return rows.filter((r) => r.cells.length > 1 || r.cells[0]!.trim() !== '');
}

/** Spreadsheets run cells that start with these as formulas (CSV injection). */
export function looksLikeFormula(cell: string): boolean {
  return /^[=+\-@\t\r]/.test(cell);
}
