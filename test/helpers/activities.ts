import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';

// Activities run as Temporal runs them (context, heartbeats, cancellation) without a worker, their log lines muted:
// the tests assert on what the activity returns or throws.

const quiet = () => undefined;

/** `info` sets what the activity reads of its context: attempt, timeouts, retry policy, when it was scheduled. */
export function quietActivityEnv(
  info?: ConstructorParameters<typeof MockActivityEnvironment>[0],
): MockActivityEnvironment {
  return new MockActivityEnvironment(info, {
    logger: { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: quiet, error: quiet },
  });
}

/** The ApplicationFailure a promise rejects with; anything else (or a resolve) fails the test. */
export async function applicationFailureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof ApplicationFailure)) throw new Error(`expected an ApplicationFailure, got ${String(err)}`);
  return err;
}
