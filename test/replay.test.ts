import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker } from '@temporalio/worker';
import { repoRoot, testDataConverter } from './helpers/journey-env.js';

// Recorded histories (scripts/record-histories.ts) replayed against the current workflow code: a change
// that would break running journeys or batches on deploy fails here instead. Replay needs no server.
// The fixtures are plain (recorded before the codec): replaying them through the codec proves journeys
// started before encryption was turned on keep running.

const dir = join(repoRoot, 'test/fixtures/histories');
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.json'));
const load = (file: string) =>
  JSON.parse(readFileSync(join(dir, file), 'utf8')) as { events: Record<string, unknown>[] };
const replayOptions = () => ({
  workflowBundle: { codePath: process.env.TEMPORAL_TEST_WORKFLOW_BUNDLE! },
  replayName: 'fixtures',
  dataConverter: testDataConverter(),
});

describe('replaying recorded histories', () => {
  it('has fixtures for the journey and the batch', () => {
    // journey-* and batch-run-*: recorded before the journey-lifecycle patch (the frozen code replays them);
    // webhooks-timer-fallback: before step-fallback-retry-policy (its lost-event check was a timer);
    // lifecycle-*: the journey with the lifecycle, including retakes, reviews, resumes and webhooks;
    // retention-*: the same after journey-retention (RECORD_PREFIX=retention-), before journey-lean-actions;
    // lean-*: under journey-lean-actions (RECORD_PREFIX=lean-);
    // local-look-webhooks*: the look an event asks for as a local activity (event-look-local, RECORD_PREFIX=local-look-).
    expect(fixtures).toEqual(
      expect.arrayContaining([
        'journey-pass.json',
        'batch-run-1-of-2.json',
        'lifecycle-pass.json',
        'lifecycle-retake-answered.json',
        'lifecycle-review-approved.json',
        'lifecycle-resumed-rerun.json',
        'lifecycle-webhooks.json',
        'lifecycle-webhooks-lost-events.json',
        'lifecycle-webhooks-event-during-check.json',
        'webhooks-timer-fallback.json',
        'lifecycle-batch-run-1-of-2.json',
        'retention-pass.json',
        'retention-retake-answered.json',
        'retention-webhooks.json',
        'retention-webhooks-lost-events.json',
        'lean-pass.json',
        'lean-retake-answered.json',
        'lean-review-approved.json',
        'lean-webhooks.json',
        'lean-webhooks-lost-events.json',
        'local-look-webhooks.json',
        'local-look-webhooks-event-during-check.json',
      ]),
    );
    expect(fixtures.length).toBeGreaterThanOrEqual(19);
  });

  it.each(fixtures)('%s replays without nondeterminism', async (file) => {
    await expect(Worker.runReplayHistory(replayOptions(), load(file), file)).resolves.toBeUndefined();
  });

  it('detects a history the code would not produce (the check can fail)', async () => {
    const history = load('journey-pass.json');
    const scheduled = history.events.find((e) => e.eventType === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED')!;
    const attrs = scheduled.activityTaskScheduledEventAttributes as { activityType: { name: string } };
    attrs.activityType.name = 'someOtherActivity';
    await expect(Worker.runReplayHistory(replayOptions(), history, 'tampered')).rejects.toBeInstanceOf(
      DeterminismViolationError,
    );
  });
});
