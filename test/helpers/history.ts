import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { resolveTemporalCli } from '../../dev/temporal-cli.js';

// Histories as the Temporal CLI prints them (`temporal workflow show -o json`): what anyone with access
// to the cluster sees. With `decoded` the CLI goes through the run's codec server, as an operator would.

const run = promisify(execFile);

export async function showHistory(
  workflowId: string,
  opts: { decoded?: boolean; runId?: string; codec?: { url: string; token: string } } = {},
) {
  const cli = resolveTemporalCli().path;
  if (!cli) throw new Error('no Temporal CLI binary: see dev/temporal-cli.ts');
  const args = ['workflow', 'show', '-w', workflowId, '-o', 'json', '--address', process.env.TEMPORAL_TEST_ADDRESS!];
  if (opts.runId) args.push('--run-id', opts.runId);
  const codec =
    opts.codec ??
    (opts.decoded
      ? { url: process.env.TEMPORAL_TEST_CODEC_URL!, token: process.env.TEMPORAL_TEST_CODEC_TOKEN! }
      : null);
  if (codec) args.push('--codec-endpoint', codec.url, '--codec-auth', `Bearer ${codec.token}`);
  const { stdout } = await run(cli, args, { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** base64 of the codec's encoding marker, as it appears in the CLI's JSON metadata. */
export const ENCRYPTED_MARKER = Buffer.from('binary/encrypted').toString('base64');

const BASE64 = /^(?:[A-Za-z0-9+/]{4})+(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The CLI prints payload bytes as base64, so a plain-text search of its JSON would miss a plaintext payload.
 * This returns the JSON followed by every base64 string in it decoded (twice nested at most), so a needle
 * in a clear payload is found and a needle under encryption is not.
 */
export function searchableText(json: string): string {
  const parts = [json];
  const visit = (value: unknown, depth: number): void => {
    if (typeof value === 'string') {
      if (value.length < 4 || !BASE64.test(value)) return;
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      parts.push(decoded);
      if (depth < 2) {
        try {
          visit(JSON.parse(decoded), depth + 1);
        } catch {
          // not JSON: the decoded text itself is what gets searched
        }
      }
    } else if (Array.isArray(value)) value.forEach((v) => visit(v, depth));
    else if (value && typeof value === 'object') Object.values(value).forEach((v) => visit(v, depth));
  };
  visit(JSON.parse(json), 0);
  return parts.join('\n');
}

/** Plain text (logs, CLI output) followed by every base64-looking token in it decoded, for the same reason. */
export function withDecodedBase64(text: string): string {
  const tokens = text.match(/[A-Za-z0-9+/]{16,}={0,2}/g) ?? [];
  return [text, ...tokens.map((t) => Buffer.from(t, 'base64').toString('utf8'))].join('\n');
}
