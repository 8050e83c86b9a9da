import { createJourneyActivities, type ActivityDeps } from './journey-activities.js';
import { createManifestActivities, type ManifestDeps } from './manifest.js';

export type { ActivityDeps } from './journey-activities.js';

/** All activities the worker registers, built around an injected IDWise client. */
export function createActivities(deps: ActivityDeps & ManifestDeps) {
  return { ...createJourneyActivities(deps), ...createManifestActivities(deps) };
}
