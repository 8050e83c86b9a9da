import { createErasureActivities } from './erasure.js';
import { createEventActivities, type EventActivitiesConfig } from './events.js';
import { createDecisionActivities } from './decision-activities.js';
import { createJourneyActivities, type ActivityDeps } from './journey-activities.js';
import { createManifestActivities, type ManifestDeps } from './manifest.js';
import { createPreflightActivities, type PreflightDeps } from './preflight.js';
import { createRetentionActivities } from './retention.js';
import { createStagedImagesActivities, type StagedImagesDeps } from './staged-images.js';
import { createStepFallbackActivities } from './step-fallback.js';

export type { ActivityDeps } from './journey-activities.js';
export type { PreflightDeps } from './preflight.js';
export type { EventActivitiesConfig } from './events.js';
export type { StagedImagesDeps } from './staged-images.js';

/** All activities the worker registers, built around an injected IDWise client. */
export function createActivities(
  deps: ActivityDeps &
    ManifestDeps &
    PreflightDeps &
    StagedImagesDeps & {
      events?: EventActivitiesConfig | null;
      /** IDWISE_RETENTION: for journeys whose retention option is unset. */
      defaultRetention?: string;
    },
) {
  // The journey learns from its first IDWise activity whether this deployment sends journey events at all, and
  // whether it stages images (then the journey deletes its staged images when it ends).
  // And whether a journey without its own retention option is erased at all (IDWISE_RETENTION set, not `none`).
  const learned = {
    eventsEnabled: !!deps.events?.url,
    stagingEnabled: !!deps.staging,
    retentionByDefault: !!deps.defaultRetention && deps.defaultRetention !== 'none',
  };
  return {
    ...createJourneyActivities({ ...deps, ...learned }),
    ...createDecisionActivities({ ...deps, ...learned }),
    ...createStepFallbackActivities(deps),
    ...createManifestActivities(deps),
    ...createPreflightActivities(deps),
    ...createEventActivities(deps.events ?? {}),
    ...createStagedImagesActivities(deps),
    ...createErasureActivities(deps),
    ...createRetentionActivities(deps),
  };
}
