import type { Operation } from './config.js';

// The route table. Defaults follow the guide in seed/ (idwise-api.md §1 "Project decision"); the aliases are
// the other spellings sources use: a /journey prefix (reference pages, SDK), /v2/summary/{id} (reference
// pages, SDK, JENTIC), /v2/get/{id} (JENTIC) and /v2/journey/{id} for Delete PII. Ids in the path win over a journey_id query parameter.

type Method = 'GET' | 'POST' | 'DELETE';

interface RouteDef {
  op: Operation;
  method: Method;
  path: RegExp;
}

const v2 = (rest: string) => new RegExp(`^(?:/journey)?/v2/${rest}/?$`);

export const ROUTES: readonly RouteDef[] = [
  { op: 'start', method: 'POST', path: v2('start-journey') },
  { op: 'process', method: 'POST', path: v2('process-journey-step') },
  { op: 'complete', method: 'POST', path: v2('complete-journey') },
  { op: 'summary', method: 'GET', path: v2('get-journey-summary') },
  { op: 'result', method: 'GET', path: v2('get-journey-result') },
  // The docs' summary URL ends with a slash, so the id is a path segment; without one, ?journey_id= is used.
  { op: 'summary', method: 'GET', path: v2('summary(?:/([^/]+))?') },
  { op: 'result', method: 'GET', path: v2('get/([^/]+)') },
  // Delete PII as documented (DELETE /journey/{id}), and with the /v2/ prefix of the other routes.
  { op: 'delete', method: 'DELETE', path: /^(?:\/v2)?\/journey\/([^/]+)\/?$/ },
];

const both = (rest: string) => [`/v2/${rest}`, `/journey/v2/${rest}`];

/** The same table as Fastify route paths (registered with ignoreTrailingSlash). */
export const FASTIFY_ROUTES: readonly { op: Operation; method: Method; urls: string[] }[] = [
  { op: 'start', method: 'POST', urls: both('start-journey') },
  { op: 'process', method: 'POST', urls: both('process-journey-step') },
  { op: 'complete', method: 'POST', urls: both('complete-journey') },
  {
    op: 'summary',
    method: 'GET',
    urls: [...both('get-journey-summary'), ...both('summary'), ...both('summary/:journeyId')],
  },
  { op: 'result', method: 'GET', urls: [...both('get-journey-result'), ...both('get/:journeyId')] },
  { op: 'delete', method: 'DELETE', urls: ['/journey/:journeyId', '/v2/journey/:journeyId'] },
];

/** For the 404 handler: a path some route serves with another method answers 405 with Allow. */
export type RouteMatch = { op: Operation; journeyId: string | undefined } | { allow: string } | null;

/** decodeURIComponent that keeps a malformed escape as it is instead of throwing. */
export const decode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

export function matchRoute(method: string | undefined, pathname: string): RouteMatch {
  const hits = ROUTES.map((r) => ({ r, m: r.path.exec(pathname) })).filter((h) => h.m);
  const hit = hits.find((h) => h.r.method === method);
  if (hit) return { op: hit.r.op, journeyId: hit.m?.[1] === undefined ? undefined : decode(hit.m[1]) };
  return hits.length ? { allow: [...new Set(hits.map((h) => h.r.method))].join(', ') } : null;
}
