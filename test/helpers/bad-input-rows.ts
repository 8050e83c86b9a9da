import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ManifestDeps, ManifestPage } from '../../activities/manifest.js';
import type { JourneyClient, StartJourneyRequest } from '../../client/journey-client.js';
import { signJourneyEvent, verifyJourneyEvent } from '../../events/signature.js';
import { startSandbox } from '../../sandbox/index.js';
import { parseWebhookAuth } from '../../webhooks/auth.js';
import type { images as sampleImages } from './journey-env.js';

// The rows of test/bad-inputs.test.ts: one bad input each, where it enters, and the answer it must get
// (a fragment naming the field and the fix). `run` returns the answer text or throws the error carrying it.

export interface Fixture {
  dir: string;
  outside: string;
  images: typeof sampleImages;
  flowId: string;
  /** A running journey waiting for its files. */
  waitingRef: string;
  cliEnv: NodeJS.ProcessEnv;
  /** Runs the CLI as a process, asserts exit 2 with one line on stderr and returns that line. */
  cli(args: string[], env?: NodeJS.ProcessEnv): Promise<string>;
  journeys: JourneyClient;
  manifestPage(manifest: string, extra?: Partial<ManifestDeps>): Promise<ManifestPage>;
  workerConfig(vars: Record<string, string | undefined>): unknown;
  /** A request to the sandbox's admin API; answers `<status> <error_code>: <message>`. */
  sandboxAdmin(
    method: string,
    path: string,
    body?: unknown,
    opts?: { token?: string | null; contentType?: string; host?: string },
  ): Promise<string>;
}

export interface BadInputRow {
  input: string;
  where: string;
  expected: RegExp;
  /** Text that must not appear in the answer (a path outside the roots, a file's content). */
  secret?: string;
  run(fx: Fixture): Promise<unknown>;
}

const put = (fx: Fixture, name: string, content: string | Buffer) => {
  const path = join(fx.dir, name);
  writeFileSync(path, content);
  return path;
};
const json = (value: unknown) => JSON.stringify(value);
const PASSWD = 'root:x:0:0:root:/root:/bin/bash\n';
/** The reasons of a manifest page's invalid rows, as one line. */
const invalidRows = (page: ManifestPage) =>
  page.entries
    .filter((e) => e.invalid)
    .map((e) => `row ${e.row}: ${e.invalid}`)
    .join('; ') || 'no invalid row';

function startWith(overrides: Partial<StartJourneyRequest>) {
  return (fx: Fixture) =>
    fx.journeys.startJourney({
      referenceNo: 'pass-bad-input',
      flowId: fx.flowId,
      steps: { '0': { image: fx.images.front } },
      ...overrides,
    });
}
const startWithOptions = (options: Record<string, unknown>) => startWith({ options: options as never });
const startWithDetails = (details: Record<string, unknown>) =>
  startWith({ applicantDetails: { full_name: 'Test Applicant', ...details } as never });

function cliStart(fx: Fixture, extra: string[], env?: NodeJS.ProcessEnv) {
  return fx.cli(['start', '--ref', 'pass-bad-cli', '--flow', fx.flowId, ...extra], env);
}
const cliMapping =
  (content: string | Buffer, name = 'cli-mapping.json') =>
  (fx: Fixture) =>
    cliStart(fx, ['--mapping', put(fx, name, content)]);
const cliApplicant = (content: string, env?: NodeJS.ProcessEnv) => (fx: Fixture) =>
  cliStart(fx, ['--applicant', put(fx, 'cli-applicant.json', content)], env);

function csvManifest(name: string, lines: string[]) {
  return async (fx: Fixture) => invalidRows(await fx.manifestPage(put(fx, name, lines.join('\n'))));
}
const CSV_HEAD = 'reference_no,flow_id,mapping';
const mappingFile = (fx: Fixture) => put(fx, 'ok-mapping.json', json({ '0': { image: fx.images.front } }));

export function badInputRows(): BadInputRow[] {
  return [
    // ---- CLI (node --import tsx client/main.ts): exit 2, one line ----
    {
      where: 'CLI',
      input: 'start without --ref',
      expected: /--ref <reference_no> is required/,
      run: (fx) => fx.cli(['start', '--flow', fx.flowId]),
    },
    {
      where: 'CLI',
      input: 'start without --flow',
      expected: /--flow <flow_id> is required \(the flow id from the IDWise dashboard\)/,
      run: (fx) => fx.cli(['start', '--ref', 'pass-x']),
    },
    {
      where: 'CLI',
      input: 'start --ref "bad ref!"',
      expected: /referenceNo: referenceNo may contain only A-Z a-z 0-9/,
      run: (fx) => fx.cli(['start', '--ref', 'bad ref!', '--flow', fx.flowId]),
    },
    {
      where: 'CLI',
      input: 'start --step-deadline 0s',
      expected: /options\.stepDeadline: must be longer than zero, e\.g\. 2s, 10m or 24h/,
      run: (fx) => cliStart(fx, ['--step-deadline', '0s']),
    },
    {
      where: 'CLI',
      input: 'start --wait-for-files "10 minutes"',
      expected: /options\.waitForFilesTimeout: use a duration such as 2s, 10m or 24h/,
      run: (fx) => cliStart(fx, ['--wait-for-files', '10 minutes']),
    },
    {
      where: 'CLI',
      input: 'start --retention "30 days"',
      expected:
        /options\.retention: use a duration such as 30d, 12h or 90s, or none to keep the data until an explicit erase/,
      run: (fx) => cliStart(fx, ['--retention', '30 days']),
    },
    {
      where: 'CLI',
      input: 'start with IDWISE_RETENTION=1 month',
      expected: /IDWISE_RETENTION: use a duration such as 30d, 12h or 90s, or none/,
      run: (fx) => cliStart(fx, [], { IDWISE_RETENTION: '1 month' }),
    },
    {
      where: 'CLI',
      input: 'erase without a reference',
      expected: /expected exactly one reference_no, got 0/,
      run: (fx) => fx.cli(['erase', '--reason', 'test']),
    },
    {
      where: 'CLI',
      input: 'list without --due-for-erasure',
      expected: /list takes --due-for-erasure/,
      run: (fx) => fx.cli(['list']),
    },
    {
      where: 'CLI',
      input: 'start --colour (unknown flag)',
      expected: /Unknown option '--colour'/,
      run: (fx) => cliStart(fx, ['--colour']),
    },
    {
      where: 'CLI',
      input: '--mapping of a missing file',
      expected: /mapping file .*missing\.json does not exist/,
      run: (fx) => cliStart(fx, ['--mapping', join(fx.dir, 'missing.json')]),
    },
    {
      where: 'CLI',
      input: '--mapping /dev/zero',
      expected: /mapping file \/dev\/zero is not a regular file/,
      run: (fx) => cliStart(fx, ['--mapping', '/dev/zero']),
    },
    {
      where: 'CLI',
      input: '--mapping of a directory',
      expected: /mapping file .*folder\.json is not a regular file/,
      run: (fx) => cliStart(fx, ['--mapping', join(fx.dir, 'folder.json')]),
    },
    {
      where: 'CLI',
      input: '--mapping that is /etc/passwd-like text',
      expected: /mapping file .*cli-mapping\.json is not valid JSON \(line 1, column 1\)/,
      run: cliMapping(PASSWD),
    },
    {
      where: 'CLI',
      input: '--mapping with a syntax error on line 3',
      expected: /is not valid JSON \(line 3, column 14\)/,
      run: cliMapping('{\n  "0": {\n    "image": x}\n}'),
    },
    {
      where: 'CLI',
      input: '--mapping over 1 MB',
      expected: /mapping file .* is too large \(the limit is 1048576 bytes\)/,
      run: cliMapping(Buffer.alloc(1024 * 1024 + 1, 0x20)),
    },
    {
      where: 'CLI',
      input: '--mapping with plain http to a public host',
      expected: /0\.image: must be an absolute file path, an https:\/\/ URL/,
      run: cliMapping(json({ '0': { image: 'http://images.example.com/a.jpg' } })),
    },
    {
      where: 'CLI',
      input: '--mapping with an unknown key',
      expected: /0: .*Unrecognized key.*extra/i,
      run: (fx) => cliMapping(json({ '0': { image: fx.images.front, extra: 1 } }))(fx),
    },
    {
      where: 'CLI',
      input: '--mapping with an empty step id',
      expected: /step id must not be empty/,
      run: (fx) => cliMapping(json({ ' ': { image: fx.images.front } }))(fx),
    },
    {
      where: 'CLI',
      input: '--mapping symlinked out of IDWISE_IMAGE_ROOTS',
      expected: /^error: mapping file: not under an allowed image root$/m,
      secret: 'passwd',
      run: (fx) => cliStart(fx, ['--mapping', join(fx.dir, 'escape.json')], { IDWISE_IMAGE_ROOTS: fx.dir }),
    },
    {
      where: 'CLI',
      input: '--mapping outside IDWISE_IMAGE_ROOTS',
      expected: /^error: mapping file: not under an allowed image root$/m,
      secret: 'idwise-bad-outside',
      run: (fx) => cliStart(fx, ['--mapping', join(fx.outside, 'passwd.json')], { IDWISE_IMAGE_ROOTS: fx.dir }),
    },
    {
      where: 'CLI',
      input: 'IDWISE_IMAGE_ROOTS=images (relative)',
      expected: /IDWISE_IMAGE_ROOTS entry "images" must be an absolute folder, e\.g\. \/srv\/idwise\/images/,
      run: (fx) => cliStart(fx, ['--mapping', mappingFile(fx)], { IDWISE_IMAGE_ROOTS: 'images' }),
    },
    {
      where: 'CLI',
      input: '--applicant with birth_date 1990-13-45',
      expected: /applicantDetails\.birth_date: birth_date must be a real date \(YYYY-MM-DD/,
      run: cliApplicant(json({ full_name: 'A B', birth_date: '1990-13-45' })),
    },
    {
      where: 'CLI',
      input: '--applicant with a birth date in the future',
      expected: /applicantDetails\.birth_date: birth_date must not be in the future/,
      run: cliApplicant(json({ full_name: 'A B', birth_date: '2999-01-01' })),
    },
    {
      where: 'CLI',
      input: '--applicant that is not JSON',
      expected: /applicant details file .*cli-applicant\.json is not valid JSON \(line 1, column 1\)/,
      run: cliApplicant(PASSWD),
    },
    {
      where: 'CLI',
      input: '--applicant /dev/zero',
      expected: /applicant details file \/dev\/zero is not a regular file/,
      run: (fx) => cliStart(fx, ['--applicant', '/dev/zero']),
    },
    {
      where: 'CLI',
      input: '--applicant without IDWISE_PII_KEYS',
      expected: /applicantDetails: needs IDWISE_PII_KEYS \(keyId:base64key\)/,
      run: cliApplicant(json({ full_name: 'A B' })),
    },
    {
      where: 'CLI',
      input: 'IDWISE_PII_KEYS=k1:c2hvcnQ= with --applicant',
      expected: /IDWISE_PII_KEYS entry 1 \(key id "k1"\) is 5 bytes, not 32; generate a key with/,
      run: cliApplicant(json({ full_name: 'A B' }), { IDWISE_PII_KEYS: 'k1:c2hvcnQ=' }),
    },
    {
      where: 'CLI',
      input: 'provide-files without --mapping',
      expected: /--mapping <file\.json> is required/,
      run: (fx) => fx.cli(['provide-files', fx.waitingRef]),
    },
    {
      where: 'CLI',
      input: 'batch run /dev/zero',
      expected: /manifest \/dev\/zero is not a regular file/,
      run: (fx) => fx.cli(['batch', 'run', '/dev/zero']),
    },
    {
      where: 'CLI',
      input: 'batch run <directory>',
      expected: /manifest .*folder\.json is not a regular file/,
      run: (fx) => fx.cli(['batch', 'run', join(fx.dir, 'folder.json')]),
    },
    {
      where: 'CLI',
      input: 'batch run --concurrency 0',
      expected: /--concurrency must be a whole number of at least 1, got "0"/,
      run: (fx) => fx.cli(['batch', 'run', join(fx.dir, 'later.csv'), '--concurrency', '0']),
    },
    {
      where: 'CLI',
      input: 'batch run --rerun sometimes',
      expected: /--rerun must be failed \(skip completed journeys\) or all/,
      run: (fx) => fx.cli(['batch', 'run', join(fx.dir, 'later.csv'), '--rerun', 'sometimes']),
    },
    {
      where: 'CLI',
      input: 'schedule create --manifest /dev/zero',
      expected: /manifest \/dev\/zero is not a regular file/,
      run: (fx) => fx.cli(['schedule', 'create', 'bad-input-schedule', '--manifest', '/dev/zero', '--every', '24h']),
    },
    {
      where: 'CLI',
      input: 'steps without IDWISE_API_KEY',
      expected: /IDWISE_API_KEY is required: the Server API key/,
      run: (fx) => fx.cli(['steps', '--flow', fx.flowId]),
    },

    // ---- client library: createJourneyClient(...).startJourney ----
    {
      where: 'client.startJourney',
      input: 'referenceNo ""',
      expected: /referenceNo: referenceNo is required/,
      run: startWith({ referenceNo: '' }),
    },
    {
      where: 'client.startJourney',
      input: 'referenceNo with a space',
      expected: /referenceNo: referenceNo may contain only/,
      run: startWith({ referenceNo: 'has space' }),
    },
    {
      where: 'client.startJourney',
      input: 'referenceNo of 101 characters',
      expected: /referenceNo: .*100 characters/,
      run: startWith({ referenceNo: 'r'.repeat(101) }),
    },
    {
      where: 'client.startJourney',
      input: 'flowId ""',
      expected: /flowId: flowId is required: the flow id from the IDWise dashboard/,
      run: startWith({ flowId: '' }),
    },
    {
      where: 'client.startJourney',
      input: 'relative image path',
      expected: /steps\.0\.image: must be an absolute file path, an https:\/\/ URL/,
      run: startWith({ steps: { '0': { image: 'front.jpg' } } }),
    },
    {
      where: 'client.startJourney',
      input: 'plain http image URL',
      expected: /steps\.0\.image: must be an absolute file path, an https:\/\/ URL \(plain http only on localhost\)/,
      run: startWith({ steps: { '0': { image: 'http://images.example.com/a.jpg' } } }),
    },
    {
      where: 'client.startJourney',
      input: 'stepDeadline "0s"',
      expected: /options\.stepDeadline: must be longer than zero/,
      run: startWithOptions({ stepDeadline: '0s' }),
    },
    {
      where: 'client.startJourney',
      input: 'waitForFilesTimeout 0',
      expected: /options\.waitForFilesTimeout: must be a whole number of ms above 0/,
      run: startWithOptions({ waitForFilesTimeout: 0 }),
    },
    {
      where: 'client.startJourney',
      input: 'summaryInterval "1s"',
      expected: /options\.summaryInterval: must be at least 2s/,
      run: startWithOptions({ summaryInterval: '1s' }),
    },
    {
      where: 'client.startJourney',
      input: 'fallbackCheckMaxInterval "1s"',
      expected: /options\.fallbackCheckMaxInterval: must be at least 2s/,
      run: startWithOptions({ fallbackCheckMaxInterval: '1s' }),
    },
    {
      where: 'client.startJourney',
      input: 'apiRetryWindow "soon"',
      expected: /options\.apiRetryWindow: use a duration such as 2s, 10m or 24h/,
      run: startWithOptions({ apiRetryWindow: 'soon' }),
    },
    {
      where: 'client.startJourney',
      input: 'unknown option retries',
      expected: /options: .*Unrecognized key.*retries/i,
      run: startWithOptions({ retries: 3 }),
    },
    {
      where: 'client.startJourney',
      input: 'birth_date 1990-13-45',
      expected: /applicantDetails\.birth_date: birth_date must be a real date/,
      secret: '1990-13-45',
      run: startWithDetails({ birth_date: '1990-13-45' }),
    },
    {
      where: 'client.startJourney',
      input: 'birth_date 1990-02-30',
      expected: /applicantDetails\.birth_date: birth_date must be a real date/,
      run: startWithDetails({ birth_date: '1990-02-30' }),
    },
    {
      where: 'client.startJourney',
      input: 'birth_date in the future',
      expected: /applicantDetails\.birth_date: birth_date must not be in the future/,
      run: startWithDetails({ birth_date: '2999-12-31' }),
    },
    {
      where: 'client.startJourney',
      input: 'nationality_code "gb"',
      expected: /applicantDetails\.nationality_code: nationality_code must be ISO 3166-1 alpha-3, e\.g\. GBR/,
      run: startWithDetails({ nationality_code: 'gb' }),
    },
    {
      where: 'client.startJourney',
      input: 'applicant details without full_name',
      expected: /applicantDetails\.full_name: full_name is required/,
      run: startWith({ applicantDetails: { birth_date: '1990-01-01' } as never }),
    },
    {
      where: 'client.startJourney',
      input: 'applicant details without a PII key',
      expected: /applicantDetails: needs IDWISE_PII_KEYS/,
      run: startWithDetails({}),
    },

    {
      where: 'client.startJourney',
      input: 'image bytes without IDWISE_STAGING_URL',
      expected: /steps\.0\.image: bytes need a staging location: set IDWISE_STAGING_URL to s3:\/\/bucket\/prefix\//,
      run: startWith({ steps: { '0': { image: Buffer.from([0xff, 0xd8, 0xff, 0xe0]) } } }),
    },
    {
      where: 'client.startJourney',
      input: 'image s3://bucket (no key)',
      expected:
        /steps\.0\.image: must be an absolute file path, an https:\/\/ URL \(plain http only on localhost\) or s3:\/\/bucket\/key/,
      run: startWith({ steps: { '0': { image: 's3://applicant-photos' } } }),
    },
    {
      where: 'CLI',
      input: 'start --upload without IDWISE_STAGING_URL',
      expected: /--upload needs a staging location: set IDWISE_STAGING_URL to s3:\/\/bucket\/prefix\//,
      run: (fx) => cliStart(fx, ['--upload', '--mapping', mappingFile(fx)]),
    },
    {
      where: 'client.startJourney',
      input: 'options.retention "0s"',
      expected: /options\.retention: must be at least 1s, or none to keep the data until an explicit erase/,
      run: startWithOptions({ retention: '0s' }),
    },
    {
      where: 'client.startJourney',
      input: 'options.retention "forever"',
      expected: /options\.retention: use a duration such as 30d, 12h or 90s, or none/,
      run: startWithOptions({ retention: 'forever' }),
    },
    {
      where: 'client.eraseJourney',
      input: 'a reason of 201 characters',
      expected: /reason: must be at most 200 characters: a case or ticket number, never the applicant's name/,
      run: (fx) => fx.journeys.eraseJourney('pass-bad-erase', { reason: 'x'.repeat(201) }),
    },
    {
      where: 'client.eraseJourney',
      input: 'reference "bad ref!"',
      expected: /referenceNo: referenceNo may contain only A-Z a-z 0-9/,
      run: (fx) => fx.journeys.eraseJourney('bad ref!', { reason: 'test' }),
    },

    // ---- provideStepFiles on a journey waiting for files ----
    {
      where: 'client.provideStepFiles',
      input: 'relative image path',
      expected: /0\.image: must be an absolute file path, an https:\/\/ URL/,
      run: (fx) => fx.journeys.provideStepFiles(fx.waitingRef, { '0': { image: 'front.jpg' } }),
    },
    {
      where: 'client.provideStepFiles',
      input: 'plain http image URL',
      expected: /0\.image: must be an absolute file path, an https:\/\/ URL/,
      run: (fx) => fx.journeys.provideStepFiles(fx.waitingRef, { '0': { image: 'http://images.example.com/a.jpg' } }),
    },
    {
      where: 'client.provideStepFiles',
      input: 'a step id the flow does not have',
      expected: /step.* 7/,
      run: (fx) => fx.journeys.provideStepFiles(fx.waitingRef, { '7': { image: fx.images.front } }),
    },

    // ---- batch manifests, JSON ----
    {
      where: 'manifest (JSON)',
      input: '/etc/passwd-like text',
      expected: /manifest not-json\.json is not valid JSON \(line 1, column 1\); use \.csv for CSV manifests/,
      run: (fx) => fx.manifestPage(put(fx, 'not-json.json', PASSWD)),
    },
    {
      where: 'manifest (JSON)',
      input: 'an object without journeys',
      expected: /must be a JSON array of journeys or \{ "journeys": \[\.\.\.\] \}/,
      run: (fx) => fx.manifestPage(put(fx, 'object.json', '{"rows": []}')),
    },
    {
      where: 'manifest (JSON)',
      input: 'BOM only',
      expected: /manifest bom-only\.json is empty/,
      run: (fx) => fx.manifestPage(put(fx, 'bom-only.json', '\uFEFF')),
    },
    {
      where: 'manifest (JSON)',
      input: '/dev/zero',
      expected: /^InvalidJourneyInput: manifest: not under an allowed image root$/,
      run: (fx) => fx.manifestPage('/dev/zero'),
    },
    {
      where: 'manifest (JSON)',
      input: 'a directory',
      expected: /manifest folder\.json is not a regular file/,
      run: (fx) => fx.manifestPage(join(fx.dir, 'folder.json')),
    },
    {
      where: 'manifest (JSON)',
      input: 'a symlink out of the root',
      expected: /^InvalidJourneyInput: manifest: not under an allowed image root$/,
      secret: 'passwd',
      run: (fx) => fx.manifestPage(join(fx.dir, 'escape.json')),
    },
    {
      where: 'manifest (JSON)',
      input: 'a missing file',
      expected: /manifest nothing\.json does not exist/,
      run: (fx) => fx.manifestPage(join(fx.dir, 'nothing.json')),
    },
    {
      where: 'manifest (JSON)',
      input: 'a file over 10 MB',
      expected: /manifest huge\.json is too large \(the limit is 10485760 bytes\)/,
      run: (fx) => {
        const path = put(fx, 'huge.json', '');
        truncateSync(path, 10 * 1024 * 1024 + 1);
        return fx.manifestPage(path);
      },
    },
    {
      where: 'manifest (JSON)',
      input: 'duplicate referenceNo',
      expected: /row 2: referenceNo duplicates row 1; give every applicant a reference of its own/,
      run: async (fx) =>
        invalidRows(
          await fx.manifestPage(
            put(
              fx,
              'dup.json',
              json([1, 2].map(() => ({ referenceNo: 'pass-dup', flowId: fx.flowId, mapping: mappingFile(fx) }))),
            ),
          ),
        ),
    },
    {
      where: 'manifest (JSON)',
      input: 'a row without flowId',
      expected: /row 1: flowId: flowId is required: the flow id from the IDWise dashboard/,
      run: async (fx) =>
        invalidRows(
          await fx.manifestPage(put(fx, 'no-flow.json', json([{ referenceNo: 'pass-1', mapping: mappingFile(fx) }]))),
        ),
    },
    {
      where: 'manifest (JSON)',
      input: 'a row with a bad referenceNo',
      expected: /row 1: referenceNo: referenceNo may contain only/,
      run: async (fx) =>
        invalidRows(
          await fx.manifestPage(
            put(fx, 'bad-ref.json', json([{ referenceNo: 'bad ref', flowId: fx.flowId, mapping: mappingFile(fx) }])),
          ),
        ),
    },

    // ---- batch manifests, CSV ----
    {
      where: 'manifest (CSV)',
      input: 'unterminated quote',
      expected: /manifest unterminated\.csv line 3 has a quote that is never closed/,
      run: csvManifest('unterminated.csv', [CSV_HEAD, 'pass-1,f,m.json', '"pass-2,f,m.json', 'pass-3,f,m.json']),
    },
    {
      where: 'manifest (CSV)',
      input: 'quote inside an unquoted field',
      expected: /manifest stray-quote\.csv line 2 has a quote inside an unquoted field/,
      run: csvManifest('stray-quote.csv', [CSV_HEAD, 'pass"1,f,m.json']),
    },
    {
      where: 'manifest (CSV)',
      input: 'BOM only',
      expected: /manifest bom-only\.csv is empty: the first line must name the columns reference_no,flow_id,mapping/,
      run: csvManifest('bom-only.csv', ['\uFEFF']),
    },
    {
      where: 'manifest (CSV)',
      input: 'no mapping column',
      expected: /needs a "mapping" column in its first line/,
      run: csvManifest('no-mapping.csv', ['reference_no,flow_id', 'pass-1,f']),
    },
    {
      where: 'manifest (CSV)',
      input: 'a formula cell (=HYPERLINK)',
      expected:
        /row 1: line 2: reference_no starts with = \+ - @ or a tab, which spreadsheets run as a formula \(CSV injection\); remove that first character/,
      secret: 'evil.example',
      run: csvManifest('formula-eq.csv', [CSV_HEAD, '"=HYPERLINK(""http://evil.example"")",f,m.json']),
    },
    {
      where: 'manifest (CSV)',
      input: 'a cell starting with +',
      expected: /row 1: line 2: flow_id starts with = \+ - @ or a tab/,
      run: csvManifest('formula-plus.csv', [CSV_HEAD, 'pass-1,+cmd,m.json']),
    },
    {
      where: 'manifest (CSV)',
      input: 'a cell starting with -',
      expected: /row 1: line 2: reference_no starts with = \+ - @ or a tab/,
      run: csvManifest('formula-minus.csv', [CSV_HEAD, '-2+3,f,m.json']),
    },
    {
      where: 'manifest (CSV)',
      input: 'a cell starting with @',
      expected: /row 1: line 2: mapping starts with = \+ - @ or a tab/,
      run: csvManifest('formula-at.csv', [CSV_HEAD, 'pass-1,f,@SUM(1)']),
    },
    {
      where: 'manifest (CSV)',
      input: 'a cell starting with a tab',
      expected: /row 1: line 2: flow_id starts with = \+ - @ or a tab/,
      run: csvManifest('formula-tab.csv', [CSV_HEAD, 'pass-1,"\tf",m.json']),
    },
    {
      where: 'manifest (CSV)',
      input: 'duplicate reference_no',
      expected: /row 2: referenceNo duplicates row 1/,
      run: async (fx) =>
        csvManifest('dup.csv', [
          CSV_HEAD,
          `pass-d,${fx.flowId},${mappingFile(fx)}`,
          `pass-d,${fx.flowId},${mappingFile(fx)}`,
        ])(fx),
    },
    {
      where: 'manifest (CSV)',
      input: 'a row over 16 KB',
      expected: /manifest long-row\.csv line 2 has a row longer than 16384 characters/,
      run: csvManifest('long-row.csv', [CSV_HEAD, `pass-1,f,${'m'.repeat(20_000)}`]),
    },
    {
      where: 'manifest (CSV)',
      input: 'a row with too few cells',
      expected: /row 1: line 2 has 2 cells, the header has 3/,
      run: csvManifest('short-row.csv', [CSV_HEAD, 'pass-1,f']),
    },

    // ---- mapping and applicant files named by a manifest ----
    {
      where: 'mapping file (manifest)',
      input: 'missing',
      expected: /row 1: mapping file none\.json does not exist/,
      run: csvManifest('map-missing.csv', [CSV_HEAD, 'pass-1,f,none.json']),
    },
    {
      where: 'mapping file (manifest)',
      input: 'not JSON',
      expected: /row 1: mapping file bad-map\.json is not valid JSON \(line 1, column 1\)/,
      run: (fx) => {
        put(fx, 'bad-map.json', PASSWD);
        return csvManifest('map-bad.csv', [CSV_HEAD, 'pass-1,f,bad-map.json'])(fx);
      },
    },
    {
      where: 'mapping file (manifest)',
      input: 'symlink out of the root',
      expected: /row 1: mapping file: not under an allowed image root/,
      secret: 'passwd',
      run: csvManifest('map-escape.csv', [CSV_HEAD, 'pass-1,f,escape.json']),
    },
    {
      where: 'mapping file (manifest)',
      input: 'an image on plain http',
      expected: /row 1: steps\.0\.image: must be an absolute file path, an https:\/\/ URL/,
      run: (fx) => {
        put(fx, 'http-map.json', json({ '0': { image: 'http://images.example.com/a.jpg' } }));
        return csvManifest('map-http.csv', [CSV_HEAD, `pass-1,${fx.flowId},http-map.json`])(fx);
      },
    },
    {
      where: 'applicant file (manifest)',
      input: 'birth_date 1990-13-45',
      expected: /row 1: applicantDetails: birth_date: birth_date must be a real date/,
      run: (fx) => {
        put(fx, 'bad-birth.json', json({ full_name: 'A B', birth_date: '1990-13-45' }));
        return csvManifest('app-birth.csv', [
          `${CSV_HEAD},applicant_details`,
          `pass-1,${fx.flowId},${mappingFile(fx)},bad-birth.json`,
        ])(fx);
      },
    },
    {
      where: 'applicant file (manifest)',
      input: '/dev/zero',
      expected: /row 1: applicant details file: not under an allowed image root/,
      run: (fx) =>
        csvManifest('app-zero.csv', [
          `${CSV_HEAD},applicant_details`,
          `pass-1,${fx.flowId},${mappingFile(fx)},/dev/zero`,
        ])(fx),
    },
    {
      where: 'applicant file (manifest)',
      input: 'over 1 MB',
      expected: /row 1: applicant details file big-applicant\.json is too large \(the limit is 1048576 bytes\)/,
      run: (fx) => {
        put(fx, 'big-applicant.json', Buffer.alloc(1024 * 1024 + 1, 0x20));
        return csvManifest('app-big.csv', [
          `${CSV_HEAD},applicant_details`,
          `pass-1,${fx.flowId},${mappingFile(fx)},big-applicant.json`,
        ])(fx);
      },
    },
    {
      where: 'applicant file (manifest)',
      input: 'a worker without IDWISE_PII_KEYS',
      expected: /row 1: applicantDetails need IDWISE_PII_KEYS on the worker/,
      run: async (fx) => {
        put(fx, 'ok-applicant.json', json({ full_name: 'A B' }));
        return invalidRows(
          await fx.manifestPage(
            put(
              fx,
              'app-nokey.csv',
              [`${CSV_HEAD},applicant_details`, `pass-1,${fx.flowId},${mappingFile(fx)},ok-applicant.json`].join('\n'),
            ),
            { sealApplicantDetails: undefined as never },
          ),
        );
      },
    },

    // ---- the worker's environment: loadWorkerConfig ----
    {
      where: 'worker env',
      input: 'IDWISE_RETENTION=30',
      expected:
        /IDWISE_RETENTION: use a duration such as 30d, 12h or 90s, or none to keep the data until an explicit erase/,
      run: async (fx) => fx.workerConfig({ IDWISE_RETENTION: '30' }),
    },
    {
      where: 'worker env',
      input: 'IDWISE_RETENTION=99999d',
      expected: /IDWISE_RETENTION: must be at most 3650d \(ten years\), or none/,
      run: async (fx) => fx.workerConfig({ IDWISE_RETENTION: '99999d' }),
    },

    {
      where: 'worker env',
      input: 'neither IDWISE_IMAGE_ROOTS nor IDWISE_IMAGE_HOSTS',
      expected:
        /IDWISE_IMAGE_ROOTS and IDWISE_IMAGE_HOSTS are both unset: set IDWISE_IMAGE_ROOTS .*\(e\.g\. IDWISE_IMAGE_ROOTS=\/srv\/idwise\/images\)/,
      run: async (fx) => fx.workerConfig({ IDWISE_IMAGE_ROOTS: undefined }),
    },
    {
      where: 'worker env',
      input: 'IDWISE_IMAGE_ROOTS=images',
      expected: /IDWISE_IMAGE_ROOTS entry "images" must be an absolute folder, e\.g\. \/srv\/idwise\/images/,
      run: async (fx) => fx.workerConfig({ IDWISE_IMAGE_ROOTS: 'images' }),
    },
    {
      where: 'worker env',
      input: 'IDWISE_IMAGE_ROOTS=/no/such/folder',
      expected: /IDWISE_IMAGE_ROOTS entry "\/no\/such\/folder" is not an existing folder/,
      run: async (fx) => fx.workerConfig({ IDWISE_IMAGE_ROOTS: '/no/such/folder' }),
    },
    {
      where: 'worker env',
      input: 'IDWISE_IMAGE_ROOTS=/etc/passwd (a file)',
      expected: /IDWISE_IMAGE_ROOTS entry "\/etc\/passwd" is not an existing folder/,
      run: async (fx) => fx.workerConfig({ IDWISE_IMAGE_ROOTS: '/etc/passwd' }),
    },
    {
      where: 'worker env',
      input: 'IDWISE_IMAGE_HOSTS=https://images.example.com',
      expected:
        /IDWISE_IMAGE_HOSTS entry "https:\/\/images\.example\.com" must be a host name or host:port \(no scheme or path\)/,
      run: async (fx) => fx.workerConfig({ IDWISE_IMAGE_HOSTS: 'https://images.example.com' }),
    },
    {
      where: 'worker env',
      input: 'IDWISE_IMAGE_BUCKETS=Photos/../x',
      expected:
        /IDWISE_IMAGE_BUCKETS entry "Photos\/\.\.\/x" must be a bucket name or bucket\/prefix, e\.g\. applicant-photos/,
      run: async (fx) => fx.workerConfig({ IDWISE_IMAGE_BUCKETS: 'Photos/../x' }),
    },
    {
      where: 'worker env',
      input: 'IDWISE_S3_FORCE_PATH_STYLE=yes',
      expected: /IDWISE_S3_FORCE_PATH_STYLE must be true or false/,
      run: async (fx) => fx.workerConfig({ IDWISE_S3_FORCE_PATH_STYLE: 'yes' }),
    },
    {
      where: 'worker env',
      input: 'IDWISE_STAGING_URL=staging (relative)',
      expected:
        /IDWISE_STAGING_URL: set IDWISE_STAGING_URL to s3:\/\/bucket\/prefix\/ .* or to an absolute folder under IDWISE_IMAGE_ROOTS/,
      run: async (fx) => fx.workerConfig({ IDWISE_STAGING_URL: 'staging' }),
    },
    {
      where: 'worker env',
      input: 'IDWISE_STAGING_URL in a bucket not in IDWISE_IMAGE_BUCKETS',
      expected: /IDWISE_STAGING_URL must be in a bucket \(and prefix\) listed in IDWISE_IMAGE_BUCKETS/,
      run: async (fx) =>
        fx.workerConfig({ IDWISE_STAGING_URL: 's3://uploads/staging/', IDWISE_IMAGE_BUCKETS: 'photos' }),
    },
    {
      where: 'worker env',
      input: 'IDWISE_STAGING_URL a folder outside IDWISE_IMAGE_ROOTS',
      expected: /IDWISE_STAGING_URL must be a folder under one of IDWISE_IMAGE_ROOTS/,
      run: async (fx) => fx.workerConfig({ IDWISE_STAGING_URL: fx.outside }),
    },
    {
      where: 'worker env',
      input: 'IDWISE_IMAGE_HOSTS=images.example.com:99999',
      expected: /IDWISE_IMAGE_HOSTS entry "images\.example\.com:99999" must be a host name or host:port/,
      run: async (fx) => fx.workerConfig({ IDWISE_IMAGE_HOSTS: 'images.example.com:99999' }),
    },
    {
      where: 'worker env',
      input: 'IDWISE_MAX_IMAGE_BYTES=lots',
      expected: /IDWISE_MAX_IMAGE_BYTES must be a number of bytes/,
      run: async (fx) => fx.workerConfig({ IDWISE_MAX_IMAGE_BYTES: 'lots' }),
    },
    {
      where: 'worker env',
      input: 'IDWISE_REQUEST_TIMEOUT_MS=5',
      expected: /IDWISE_REQUEST_TIMEOUT_MS must be at least 100 ms/,
      run: async (fx) => fx.workerConfig({ IDWISE_REQUEST_TIMEOUT_MS: '5' }),
    },
    {
      where: 'worker env',
      input: 'IDWISE_BASE_URL=http://api.idwise.com',
      expected: /IDWISE_BASE_URL must use https:\/\/ \(plain http only for localhost/,
      run: async (fx) => fx.workerConfig({ IDWISE_BASE_URL: 'http://api.idwise.com' }),
    },
    {
      where: 'worker env',
      input: 'IDWISE_REGION=mars',
      expected: /IDWISE_REGION must be eu, uae or qat/,
      run: async (fx) => fx.workerConfig({ IDWISE_REGION: 'mars' }),
    },
    {
      where: 'worker env',
      input: 'IDWISE_API_KEY unset',
      expected: /IDWISE_API_KEY is required: the Server API key from IDWise Studio/,
      run: async (fx) => fx.workerConfig({ IDWISE_API_KEY: undefined }),
    },
    {
      where: 'worker env',
      input: 'IDWISE_PII_KEYS=k1:c2hvcnQ=',
      expected: /IDWISE_PII_KEYS entry 1 \(key id "k1"\) is 5 bytes, not 32/,
      run: async (fx) => fx.workerConfig({ IDWISE_PII_KEYS: 'k1:c2hvcnQ=' }),
    },
    {
      where: 'worker env',
      input: 'IDWISE_METRICS_BIND=9464',
      expected: /IDWISE_METRICS_BIND: use host:port, e\.g\. 0\.0\.0\.0:9464/,
      run: async (fx) => fx.workerConfig({ IDWISE_METRICS_BIND: '9464' }),
    },
    {
      where: 'worker env',
      input: 'IDWISE_MAX_CACHED_WORKFLOWS=1',
      expected: /IDWISE_MAX_CACHED_WORKFLOWS: must be at least 2, e\.g\. 200/,
      run: async (fx) => fx.workerConfig({ IDWISE_MAX_CACHED_WORKFLOWS: '1' }),
    },
    {
      where: 'worker env',
      input: 'IDWISE_MAX_CONCURRENT_ACTIVITIES=lots',
      expected: /IDWISE_MAX_CONCURRENT_ACTIVITIES: must be a whole number, e\.g\. 1000/,
      run: async (fx) => fx.workerConfig({ IDWISE_MAX_CONCURRENT_ACTIVITIES: 'lots' }),
    },
    {
      where: 'worker env',
      input: 'IDWISE_MAX_CALLS_PER_SECOND=-1',
      expected: /IDWISE_MAX_CALLS_PER_SECOND: must be a number above 0, e\.g\. 10/,
      run: async (fx) => fx.workerConfig({ IDWISE_MAX_CALLS_PER_SECOND: '-1' }),
    },

    // ---- sandbox admin endpoints ----
    ...(
      [
        [
          'POST /_sandbox/fail-next {"count":-1,"kind":"5xx"}',
          'POST',
          '/_sandbox/fail-next',
          { count: -1, kind: '5xx' },
          /400 validation_error: .*count/,
        ],
        [
          'POST /_sandbox/fail-next {"count":1,"kind":"boom"}',
          'POST',
          '/_sandbox/fail-next',
          { count: 1, kind: 'boom' },
          /400 validation_error: .*kind/,
        ],
        [
          'PUT /_sandbox/faults {"errorRate":2}',
          'PUT',
          '/_sandbox/faults',
          { errorRate: 2 },
          /400 validation_error: .*errorRate/,
        ],
        [
          'PUT /_sandbox/switches {"pollRule":"sometimes"}',
          'PUT',
          '/_sandbox/switches',
          { pollRule: 'sometimes' },
          /400 validation_error: .*pollRule/,
        ],
        [
          'PUT /_sandbox/switches {"finalProcessingMillis":1}',
          'PUT',
          '/_sandbox/switches',
          { finalProcessingMillis: 1 },
          /400 validation_error: .*finalProcessingMillis/,
        ],
        [
          'PUT /_sandbox/webhooks {"auth":"token:abc"}',
          'PUT',
          '/_sandbox/webhooks',
          { auth: 'token:abc' },
          /400 validation_error: .*auth/,
        ],
        [
          'POST review {"decision":"Maybe"}',
          'POST',
          '/_sandbox/journeys/000000000000000000000000/review',
          { decision: 'Maybe' },
          /400 validation_error: .*decision/,
        ],
        [
          'POST review of an unknown journey',
          'POST',
          '/_sandbox/journeys/000000000000000000000000/review',
          { decision: 'Approved' },
          /404 missing_requested_resource/,
        ],
      ] as const
    ).map(
      ([input, method, path, body, expected]): BadInputRow => ({
        where: 'sandbox admin',
        input,
        expected,
        run: (fx) => fx.sandboxAdmin(method, path, body),
      }),
    ),
    {
      where: 'sandbox admin',
      input: 'GET /_sandbox/counters without the admin token',
      expected: /401 missing_authorization_header/,
      run: (fx) => fx.sandboxAdmin('GET', '/_sandbox/counters', undefined, { token: null }),
    },
    {
      where: 'sandbox admin',
      input: 'GET /_sandbox/counters with a wrong token',
      expected: /401 invalid_credentials/,
      run: (fx) => fx.sandboxAdmin('GET', '/_sandbox/counters', undefined, { token: 'not-the-token' }),
    },
    {
      where: 'sandbox admin',
      input: 'PUT /_sandbox/faults as text/plain',
      expected: /415 unsupported_media_type/,
      run: (fx) => fx.sandboxAdmin('PUT', '/_sandbox/faults', '{"errorRate":0}', { contentType: 'text/plain' }),
    },
    {
      where: 'sandbox admin',
      input: 'GET /_sandbox/counters with Host: evil.example',
      expected: /403 forbidden_host/,
      run: (fx) => fx.sandboxAdmin('GET', '/_sandbox/counters', undefined, { host: 'evil.example' }),
    },
    // ---- issue 20: what an outside security review found accepted ----
    {
      where: 'client.startJourney',
      input: 'referenceNo jane.doe@example.com (an e-mail address)',
      expected: /referenceNo: referenceNo looks like an e-mail address: use an opaque applicant id/,
      secret: 'jane.doe',
      run: startWith({ referenceNo: 'jane.doe@example.com' }),
    },
    {
      where: 'client.startJourney',
      input: 'referenceNo 555-123-4567 (a phone number)',
      expected: /referenceNo: referenceNo looks like a phone number: use an opaque applicant id/,
      run: startWith({ referenceNo: '555-123-4567' }),
    },
    {
      where: 'client.startJourney',
      input: 'flowId with a newline',
      expected: /flowId: flowId may contain only A-Z a-z 0-9 _ and -: the flow id from the IDWise dashboard/,
      run: (fx) => startWith({ flowId: `${fx.flowId}\nINFO forged log line` })(fx),
    },
    {
      where: 'client.startJourney',
      input: 'image URL with user:password@',
      expected: /steps\.0\.image: must not carry user:password@: .*use a pre-signed URL instead/,
      secret: 'hunter2',
      run: startWith({ steps: { '0': { image: 'https://alice:hunter2@images.example.com/a.jpg' } } }),
    },
    {
      where: 'CLI',
      input: 'start --wait-for-files 99999999d',
      expected: /options\.waitForFilesTimeout: must be at most 366d, e\.g\. 24h, 14d or 90d/,
      run: (fx) => cliStart(fx, ['--mapping', mappingFile(fx), '--wait-for-files', '99999999d']),
    },
    {
      where: 'manifest (CSV)',
      input: 'reference_no jane.doe@example.com',
      expected: /row 1: referenceNo: referenceNo looks like an e-mail address: use an opaque applicant id/,
      run: (fx) => csvManifest('email-ref.csv', [CSV_HEAD, `jane.doe@example.com,${fx.flowId},${mappingFile(fx)}`])(fx),
    },
    {
      where: 'CLI',
      input: 'schedule create --every 1d2h',
      expected: /every: use one duration such as 24h, 30m or 7d \(for 1d2h write 26h\)/,
      run: (fx) => {
        const manifest = put(fx, 'schedule.csv', `${CSV_HEAD}\npass-1,${fx.flowId},${mappingFile(fx)}\n`);
        return fx.cli(['schedule', 'create', 'bad-input-every', '--manifest', manifest, '--every', '1d2h']);
      },
    },
    {
      where: 'CLI',
      input: 'schedule create --cron "every day"',
      expected: /cron: use 5 fields \(minute hour day-of-month month day-of-week\), e\.g\. "0 2 \* \* \*"/,
      run: (fx) => {
        const manifest = put(fx, 'schedule.csv', `${CSV_HEAD}\npass-1,${fx.flowId},${mappingFile(fx)}\n`);
        return fx.cli(['schedule', 'create', 'bad-input-cron', '--manifest', manifest, '--cron', 'every day']);
      },
    },
    {
      where: 'worker env',
      input: 'IDWISE_MAX_IMAGE_BYTES=1e10',
      expected: /IDWISE_MAX_IMAGE_BYTES must be at most 67108864 bytes \(64 MiB\), e\.g\. 6291456/,
      run: async (fx) => fx.workerConfig({ IDWISE_MAX_IMAGE_BYTES: '1e10' }),
    },
    {
      where: 'worker env',
      input: 'IDWISE_IMAGE_ROOTS=/',
      expected: /IDWISE_IMAGE_ROOTS entry "\/" is the whole file system: name the folder images are kept in/,
      run: async (fx) => fx.workerConfig({ IDWISE_IMAGE_ROOTS: '/' }),
    },
    {
      where: 'worker env',
      input: 'IDWISE_ALLOW_HARD_LINKS=yes',
      expected: /IDWISE_ALLOW_HARD_LINKS must be on or off/,
      run: async (fx) => fx.workerConfig({ IDWISE_ALLOW_HARD_LINKS: 'yes' }),
    },
    {
      where: 'webhook receiver env',
      input: 'IDWISE_WEBHOOK_AUTH=bearer:short-secret',
      expected: /IDWISE_WEBHOOK_AUTH's secret is 12 characters: use at least 32/,
      secret: 'short-secret',
      run: async () => parseWebhookAuth('bearer:short-secret'),
    },
    {
      where: 'verifyJourneyEvent',
      input: 'toleranceSec NaN (Number of an unset variable)',
      expected: /verifyJourneyEvent needs toleranceSec as a finite number of seconds above 0, e\.g\. 300/,
      run: async () => {
        const secret = 'events-secret-0123456789abcdef0123456789';
        const body = '{"type":"journey.completed"}';
        const header = signJourneyEvent(secret, body, 0);
        return verifyJourneyEvent({ rawBody: body, header, secret, toleranceSec: Number(undefined) });
      },
    },
    {
      where: 'sandbox start',
      input: 'IDWISE_SANDBOX_HOST=192.0.2.10 with the published credentials',
      expected:
        /IDWISE_SANDBOX_HOST=192\.0\.2\.10 would expose the sandbox beyond this machine with the published credentials/,
      // 192.0.2.10 (TEST-NET-1) is no address of this machine: code that did not refuse fails to listen instead.
      run: async () => (await startSandbox({ host: '192.0.2.10', port: 0 })).close(),
    },
  ];
}
