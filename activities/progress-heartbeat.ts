import { heartbeat } from '@temporalio/activity';

/** How often an upload reports its progress: well inside the 20 s heartbeat timeout of the upload's options. */
export const PROGRESS_HEARTBEAT_MS = 1_000;

/**
 * An upload's progress as heartbeats, at most one every `everyMs`. The multipart encoder reports every chunk it hands
 * to the socket (a 5 MB image is ~80 of them), and the SDK encrypts each heartbeat's details with the payload codec
 * and passes them to its core, which sends the server only one every 80 % of the heartbeat timeout (16 s): a beat per
 * chunk is CPU for nothing. A stalled upload still stops beating, so the heartbeat timeout still notices it.
 */
export function progressHeartbeat(
  everyMs = PROGRESS_HEARTBEAT_MS,
  beat: (details: { bytesSent: number }) => void = heartbeat,
  now: () => number = Date.now,
): (bytesSent: number) => void {
  let last = -Infinity;
  return (bytesSent) => {
    const t = now();
    if (t - last < everyMs) return;
    last = t;
    beat({ bytesSent });
  };
}
