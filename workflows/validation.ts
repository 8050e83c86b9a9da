import { defineBatchSchemas } from '../shared/batch.js';
import { defineJourneySchemas } from '../shared/journey.js';

// The workflows' input validation, one set of zod schemas for all workflows of a worker. This module is preloaded
// (worker/bundle.ts `preloadModules`): evaluated once, before any workflow, instead of once per cached workflow, which
// made zod and our schemas ~0.9 MB of every cached journey. The SDK deep-freezes what preloaded modules export, and
// zod schemas write into themselves as they are used (lazily bound methods, compiled parsers), so the schemas stay in
// this closure and only functions leave it. They hold no workflow state: a parse is synchronous and returns new objects.

const journey = defineJourneySchemas();
const batch = defineBatchSchemas(journey.JourneyOptionsSchema);

export const parseJourneyInput = (raw: unknown) => journey.JourneyInputSchema.safeParse(raw);
export const parseStepMapping = (raw: unknown) => journey.StepMappingSchema.safeParse(raw);
export const parseBatchInput = (raw: unknown) => batch.BatchInputSchema.safeParse(raw);
/** For update handlers, after their validator accepted the same value: throws if it is not a step mapping. */
export const validStepMapping = (raw: unknown) => journey.StepMappingSchema.parse(raw);
