import { heartbeat } from '@temporalio/activity';

/** How often an upload reports its progress: well inside the 20 s heartbeat timeout of the upload's options. */
export const PROGRESS_HEARTBEAT_MS = 1_000;

/**
 * When an upload beats first: half its heartbeat timeout (10 s with the upload's options), or one interval when it
 * has none. The server starts the heartbeat timeout when the activity starts, so a worker that dies before the first
 * beat is noticed as soon as with one; and every beat that reaches the server is a billable action on Temporal Cloud,
 * which an upload done in its first seconds (most are) does not need.
 */
export const firstBeatAfterMs = (heartbeatTimeoutMs: number | undefined) =>
  heartbeatTimeoutMs ? heartbeatTimeoutMs / 2 : PROGRESS_HEARTBEAT_MS;

/**
 * An upload's progress as heartbeats: the first once the upload has run `firstAfterMs`, then at most one every
 * `everyMs`. The multipart encoder reports every chunk it hands to the socket (a 5 MB image is ~80 of them), and the
 * SDK encrypts each heartbeat's details with the payload codec and passes them to its core, which sends the server
 * only one every 80 % of the heartbeat timeout (16 s): a beat per chunk is CPU for nothing. A stalled upload still
 * stops beating, so the heartbeat timeout still notices it.
 */
export function progressHeartbeat({
  everyMs = PROGRESS_HEARTBEAT_MS,
  firstAfterMs = everyMs,
  beat = heartbeat,
  now = Date.now,
}: {
  everyMs?: number;
  firstAfterMs?: number;
  beat?: (details: { bytesSent: number }) => void;
  now?: () => number;
} = {}): (bytesSent: number) => void {
  // As if it had beaten firstAfterMs - everyMs from now: the same test then covers the first beat and the others.
  let last = now() + firstAfterMs - everyMs;
  return (bytesSent) => {
    const t = now();
    if (t - last < everyMs) return;
    last = t;
    beat({ bytesSent });
  };
}
