import { DURATION_PATTERN, durationToMs } from './duration.js';

// The retention value (journey option `retention`, CLI --retention, IDWISE_RETENTION). No Temporal import here:
// shared/journey.ts uses it, and the workflow bundle preloads that module for all workflows (workflows/validation.ts).

/** `none`, or a duration such as `30d`, `12h` or `90s` (retention option, --retention, IDWISE_RETENTION). */
export type Retention = 'none' | string;

/** The problem with a retention value, or null when it is one; the caller names the field. */
export function retentionProblem(value: unknown): string | null {
  if (value === 'none') return null;
  if (typeof value !== 'string' || !DURATION_PATTERN.test(value)) {
    return 'use a duration such as 30d, 12h or 90s, or none to keep the data until an explicit erase';
  }
  const ms = durationToMs(value);
  if (ms < 1_000) return 'must be at least 1s, or none to keep the data until an explicit erase';
  // Temporal durations are protobuf Durations; ten years is beyond any retention policy and well within range.
  if (ms > 3_650 * 86_400_000) return 'must be at most 3650d (ten years), or none';
  return null;
}
