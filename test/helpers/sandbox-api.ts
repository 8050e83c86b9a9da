import { request as httpRequest } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { RunningSandbox } from '../../sandbox/index.js';

// Plain fetch/FormData calls to a running IDWise sandbox (not the project's client), for the sandbox's own
// tests: the sandbox is checked against idwise-api.md on its own.

export const ID_FLOW = 'sandbox-id-and-selfie';
export const POA_FLOW = 'sandbox-passport-selfie-poa';
export const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(256, 7)]);

export interface Envelope {
  success: false;
  message: string;
  error_code: string;
}
export interface Reply<T> {
  status: number;
  body: T;
  headers: Headers;
}
export interface ResultBody {
  journey_id: string;
  end_time: string | null;
  system_decision: string;
  manual_decision: string | null;
  final_decision: string;
  manual_review_time: string | null;
  rule_results: Record<string, { result: string }>;
}

export const basic = (key = 'sandbox-key', secret = 'sandbox-secret') =>
  `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`;
export const uid = () => randomUUID().slice(0, 8);

export function sandboxApi(sb: () => RunningSandbox) {
  async function call<T = Envelope>(
    path: string,
    init: {
      method?: string;
      json?: unknown;
      form?: FormData;
      auth?: string | null;
      headers?: Record<string, string>;
    } = {},
  ): Promise<Reply<T>> {
    const headers: Record<string, string> = { ...init.headers };
    if (init.auth !== null) headers.Authorization ??= init.auth ?? basic();
    if (init.json !== undefined) headers['Content-Type'] ??= 'application/json';
    const res = await fetch(`${sb().baseUrl}${path}`, {
      method: init.method ?? (init.json !== undefined || init.form ? 'POST' : 'GET'),
      headers,
      body: init.form ?? (init.json === undefined ? undefined : JSON.stringify(init.json)),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
  }
  const admin = <T = Record<string, unknown>>(path: string, method = 'GET', json?: unknown) =>
    call<T>(`_sandbox/${path}`, { method, auth: `Bearer ${sb().adminToken}`, json });
  async function start(ref = `pass-${uid()}`, flowId = ID_FLOW): Promise<string> {
    const res = await call<{ journey_id: string }>('v2/start-journey', {
      json: { flow_id: flowId, reference_no: ref },
    });
    if (res.status !== 200) throw new Error(`start answered ${res.status}`);
    return res.body.journey_id;
  }
  const form = (fields: Record<string, string>, files: Record<string, Buffer> = {}) => {
    const f = new FormData();
    for (const [k, v] of Object.entries(fields)) f.append(k, v);
    for (const [k, v] of Object.entries(files)) f.append(k, new Blob([v]), `${k}.bin`);
    return f;
  };
  const submit = (journeyId: string, stepId: string, files: Record<string, Buffer> = { image: JPEG }) =>
    call('v2/process-journey-step', { form: form({ journey_id: journeyId, step_id: stepId }, files) });
  const complete = (id: string) => call('v2/complete-journey', { json: { journey_id: id } });
  const result = (id: string) => call<ResultBody>(`v2/get-journey-result?journey_id=${id}`);
  const summary = (id: string) =>
    call<{ is_completed: boolean; step_summaries: { definition: { step_id: string }; result: unknown }[] }>(
      `v2/get-journey-summary?journey_id=${id}`,
    );
  const stepResult = async (id: string, stepId: string) =>
    (await summary(id)).body.step_summaries.find((s) => String(s.definition.step_id) === stepId)?.result;
  return { call, admin, start, form, submit, complete, result, summary, stepResult };
}

export function expectError(res: Reply<unknown>, status: number, code: string): void {
  expect({ status: res.status, body: res.body }).toEqual({
    status,
    body: { success: false, message: expect.any(String), error_code: code },
  });
}

/** Waits until `check` passes (it throws until then), for states reached by the sandbox's own timers. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

/** A raw request with any Host header (fetch does not let a caller set Host). */
export function rawRequest(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}
