import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { parseCsv } from '../activities/csv.js';
import { createManifestActivities, type ManifestPage } from '../activities/manifest.js';
import { jsonErrorOffset, parseJsonOrWhere } from '../client/json-text.js';
import { images, repoRoot } from './helpers/journey-env.js';

// The parsers behind manifests: what they accept (BOM, quoted newlines, CRLF) and where they say an error is.

describe('parseCsv', () => {
  it('accepts a BOM, CRLF, quoted commas, quotes and newlines, and numbers rows by their first line', () => {
    const rows = parseCsv('\uFEFFa,b\r\n"x, y","say ""hi"""\r\n\r\n"multi\nline",2\r\nlast,3');
    expect(rows).toEqual([
      { cells: ['a', 'b'], line: 1 },
      { cells: ['x, y', 'say "hi"'], line: 2 },
      { cells: ['multi\nline', '2'], line: 4 },
      { cells: ['last', '3'], line: 6 },
    ]);
  });

  it('keeps every row after a quoted field (the old parser lost them after an unclosed quote)', () => {
    expect(() => parseCsv('a,b\n1,2\n"3,4\n5,6\n7,8\n')).toThrow(/^line 3 has a quote that is never closed$/);
  });
});

describe('JSON errors by position', () => {
  it.each([
    ['[1, 2]', -1],
    ['{"a": [true, null, -1.5e3, "\\u00e9"]}', -1],
    ['root:x:0:0', 0],
    ['{"a": 1,}', 8],
    ['[1 2]', 3],
    ['{"a": "tab\there"}', 10],
    ['{"a":', 5],
  ])('%s → offset %s', (text, offset) => {
    expect(jsonErrorOffset(text)).toBe(offset);
    if (offset === -1) expect(() => JSON.parse(text)).not.toThrow();
    else expect(() => JSON.parse(text)).toThrow();
  });

  it('names line and column, never the text', () => {
    expect(parseJsonOrWhere('{\n  "a": 1,\n  "b": secret\n}')).toEqual({
      ok: false,
      where: 'is not valid JSON (line 3, column 8)',
    });
  });
});

describe('readManifestPage', () => {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'idwise-manifest-')));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const read = (manifest: string) =>
    new MockActivityEnvironment().run(
      createManifestActivities({ imageSources: { roots: [realpathSync(join(repoRoot, 'samples')), dir], hosts: [] } })
        .readManifestPage,
      { manifest, offset: 0, limit: 10 },
    );

  it('reads a CSV manifest saved with a BOM by a spreadsheet, and a JSON one with a BOM', async () => {
    writeFileSync(join(dir, 'map.json'), JSON.stringify({ '0': { image: images.front } }));
    writeFileSync(join(dir, 'excel.csv'), '\uFEFFreference_no,flow_id,mapping\r\npass-1,flow-a,map.json\r\n');
    writeFileSync(
      join(dir, 'bom.json'),
      `\uFEFF${JSON.stringify([{ referenceNo: 'pass-2', flowId: 'f', mapping: 'map.json' }])}`,
    );
    for (const [file, ref] of [
      ['excel.csv', 'pass-1'],
      ['bom.json', 'pass-2'],
    ] as const) {
      const page = (await read(join(dir, file))) as ManifestPage;
      expect(page.total).toBe(1);
      expect(page.entries[0]).toMatchObject({
        row: 1,
        referenceNo: ref,
        journey: { steps: { '0': { image: images.front } } },
      });
      expect(page.entries[0]!.invalid).toBeUndefined();
    }
  });
});
