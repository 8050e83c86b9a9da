import { z } from 'zod';

// IDWise's paths disagree between its reference pages, its newest guide and its SDK (idwise-api.md §1),
// so every route lives in one table that IDWISE_ROUTES can override without a code change.

export const ROUTE_NAMES = ['start', 'process', 'summary', 'complete', 'result', 'delete'] as const;
export type RouteName = (typeof ROUTE_NAMES)[number];

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  /**
   * Relative to the base URL. `{journey_id}` is replaced by the id; GET and DELETE routes without it send
   * `?journey_id=`, POST routes a JSON body with journey_id.
   */
  path: string;
}
export type RouteTable = Readonly<Record<RouteName, Route>>;

export const JOURNEY_ID_PLACEHOLDER = '{journey_id}';

/** The project decision of idwise-api.md §1: the paths of the newest guide (seed/). */
export const DEFAULT_ROUTES: RouteTable = Object.freeze({
  start: { method: 'POST', path: 'v2/start-journey' },
  process: { method: 'POST', path: 'v2/process-journey-step' },
  complete: { method: 'POST', path: 'v2/complete-journey' },
  summary: { method: 'GET', path: 'v2/get-journey-summary' },
  result: { method: 'GET', path: 'v2/get-journey-result' },
  // Delete PII has one documented spelling (idwise-api.md §1: DELETE /journey/{journey-id} on the region's base URL).
  delete: { method: 'DELETE', path: 'journey/{journey_id}' },
});

// got's prefixUrl refuses inputs that start with a slash, so a leading slash is dropped here.
const PathSchema = z
  .string()
  .trim()
  .min(1, 'path must not be empty')
  .refine(
    (p) => !/^[a-z][a-z0-9+.-]*:/i.test(p),
    'path must be relative to the base URL (set IDWISE_BASE_URL for the host)',
  )
  .transform((p) => p.replace(/^\/+/, ''));

const RouteSchema = z.strictObject({ method: z.enum(['GET', 'POST']).optional(), path: PathSchema });

// Writes (start, upload, complete) carry bodies and must stay POST; the two reads may be either.
const postOnly = RouteSchema.refine((r) => r.method !== 'GET', 'this route sends a body, so its method must be POST');

export const RouteOverridesSchema = z.strictObject({
  start: postOnly
    .refine((r) => !r.path.includes(JOURNEY_ID_PLACEHOLDER), 'start has no journey id to put in its path')
    .optional(),
  process: postOnly.optional(),
  complete: postOnly.optional(),
  summary: RouteSchema.optional(),
  result: RouteSchema.optional(),
  // A deployment whose IDWise spells it as a POST (the JENTIC /delete/{id}) may say so; never a GET.
  delete: z.strictObject({ method: z.enum(['DELETE', 'POST']).optional(), path: PathSchema }).optional(),
});
export type RouteOverrides = z.infer<typeof RouteOverridesSchema>;

export function buildRouteTable(overrides: RouteOverrides = {}): RouteTable {
  const table = {} as Record<RouteName, Route>;
  for (const name of ROUTE_NAMES) {
    const o = overrides[name];
    const base = DEFAULT_ROUTES[name];
    table[name] = Object.freeze({ method: o?.method ?? base.method, path: o?.path ?? base.path });
  }
  return Object.freeze(table);
}

/** The request target for a journey-scoped route: the path with the id filled in, plus query parameters. */
export function journeyTarget(
  route: Route,
  journeyId: string,
): { path: string; searchParams?: Record<string, string> } {
  if (route.path.includes(JOURNEY_ID_PLACEHOLDER)) {
    return { path: route.path.split(JOURNEY_ID_PLACEHOLDER).join(encodeURIComponent(journeyId)) };
  }
  return route.method === 'POST' ? { path: route.path } : { path: route.path, searchParams: { journey_id: journeyId } };
}
