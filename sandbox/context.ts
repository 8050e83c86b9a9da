import type { IncomingMessage } from 'node:http';
import type { SandboxCredential } from './config.js';
import { ApiError, journeyNotFound, validationError } from './errors.js';
import type { Journey } from './journeys.js';
import type { SandboxState } from './state.js';

// What an API handler gets (an authenticated request) and gives back (a status and a JSON body).

export interface ApiContext {
  /** The raw request: process-journey-step reads its (multipart) body from it as a stream. */
  req: IncomingMessage;
  /** The parsed JSON body (start, complete); undefined without one. */
  body: unknown;
  url: URL;
  /** The journey id when the route carries it in the path (/v2/summary/{id}). */
  pathJourneyId: string | undefined;
  credential: SandboxCredential;
  state: SandboxState;
  now: number;
}

export interface ApiAnswer {
  status: number;
  body: unknown;
}

export const ok = (body: unknown): ApiAnswer => ({ status: 200, body });

/** A journey the caller's key may see: unknown → 404, another environment's journey → 403 (§8). */
export function requireJourney(ctx: ApiContext, journeyId: string): Journey {
  const journey = ctx.state.journeys.get(journeyId);
  if (!journey) throw journeyNotFound(journeyId);
  if (journey.environment !== ctx.credential.environment) {
    throw new ApiError(
      403,
      'unauthorized',
      `This API key belongs to the ${ctx.credential.environment} environment, journey ${journeyId} does not`,
    );
  }
  ctx.state.lifecycle.settle(journey, ctx.now);
  return journey;
}

export function journeyIdFromQuery(ctx: ApiContext): string {
  const id = (ctx.pathJourneyId ?? ctx.url.searchParams.get('journey_id') ?? '').trim();
  if (!id) throw validationError(ctx.state.switches.validationErrorStatus, 'journey_id is required');
  return id;
}
