import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  ERASE_WORKFLOW_TYPE,
  ERASURE_INCOMPLETE,
  erasureWorkflowId,
  eraseRequestSignal,
  type ErasureInput,
  type ErasureOptions,
  type ErasureRecord,
} from '../shared/erasure.js';
import { journeyWorkflowId, REFERENCE_NO_PATTERN } from '../shared/journey.js';
import { IdwiseReferenceNo, IdwiseStage } from '../shared/search-attributes.js';
import type { eraseJourney } from '../workflows/erasure.js';
import { ErasureFailedError, ErasureNotFoundError, JourneyInputError, type InputIssue } from './errors.js';

export interface EraseRequest {
  /** Why the data is erased (e.g. "GDPR art. 17 request 2026-114"). Kept in the record: never the applicant's name. */
  reason?: string;
  /** Delete PII retries (tests shorten them); the defaults retry 5xx/429 for a day. */
  options?: ErasureOptions;
}

export interface ErasureStarted {
  referenceNo: string;
  workflowId: string;
  runId: string;
  /** True when an earlier erasure already erased everything: its record is the answer, nothing ran again. */
  alreadyErased: boolean;
}

export interface DueErasure {
  referenceNo: string;
  workflowId: string;
  /** When the erasure runs (its start delay ends); in the past for one already at work. */
  dueAt: Date | null;
  stage: string;
}

const MAX_REASON = 200;

/** Erasure on request, its record, and the list of erasures retention has scheduled. */
export function erasureMethods(client: Client, taskQueue: string) {
  const handleFor = (referenceNo: string) =>
    client.workflow.getHandle<typeof eraseJourney>(erasureWorkflowId(referenceNo));

  /** Whether any execution of the journey exists (describe is strongly consistent; a list may lag a deletion). */
  async function journeyExists(referenceNo: string): Promise<boolean> {
    try {
      await client.workflow.getHandle(journeyWorkflowId(referenceNo)).describe();
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  return {
    /**
     * Erases the applicant's journey everywhere (workflows/erasure.ts), once: a second request while it runs joins
     * it, and one after it erased everything reports it (`alreadyErased`). A failed erasure is run again; so is a
     * finished one when the applicant has a journey again since. A retention erasure waiting for its time is
     * started at once with this reason.
     */
    async eraseJourney(referenceNo: string, request: EraseRequest = {}): Promise<ErasureStarted> {
      const { ref, reason } = validate(referenceNo, request.reason);
      const workflowId = erasureWorkflowId(ref);
      const input: ErasureInput = {
        referenceNo: ref,
        reason,
        trigger: 'request',
        ...(request.options ? { options: request.options } : {}),
      };
      const start = (workflowIdReusePolicy: WorkflowIdReusePolicy) =>
        client.workflow.signalWithStart<typeof eraseJourney, [{ reason: string }]>(ERASE_WORKFLOW_TYPE, {
          workflowId,
          taskQueue,
          args: [input],
          signal: eraseRequestSignal,
          signalArgs: [{ reason }],
          workflowIdReusePolicy,
          staticSummary: `erase journey ${ref} (requested)`,
          typedSearchAttributes: [
            { key: IdwiseReferenceNo, value: ref },
            { key: IdwiseStage, value: 'erasing' },
          ],
        });
      try {
        const handle = await start(WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY);
        return { referenceNo: ref, workflowId, runId: handle.signaledRunId, alreadyErased: false };
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
      // A completed erasure exists. It erased every execution there was, so one that exists now is newer.
      if (await journeyExists(ref)) {
        const handle = await start(WorkflowIdReusePolicy.ALLOW_DUPLICATE);
        return { referenceNo: ref, workflowId, runId: handle.signaledRunId, alreadyErased: false };
      }
      const done = await handleFor(ref).describe();
      return { referenceNo: ref, workflowId, runId: done.runId, alreadyErased: true };
    },

    /** The erasure's record once it has finished; ErasureFailedError carries what was and was not erased. */
    async awaitErasure(referenceNo: string): Promise<ErasureRecord> {
      try {
        return await handleFor(referenceNo).result();
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw new ErasureNotFoundError(referenceNo);
        if (!(err instanceof WorkflowFailedError)) throw err;
        const cause = err.cause;
        const record =
          cause instanceof ApplicationFailure && cause.type === ERASURE_INCOMPLETE
            ? ((cause.details?.[0] as ErasureRecord | undefined) ?? null)
            : null;
        throw new ErasureFailedError(referenceNo, record, cause?.message ?? err.message, { cause: err });
      }
    },

    /** Erasures not finished yet, soonest first: retention ones waiting for their time, and ones at work. */
    async listDueForErasure(): Promise<DueErasure[]> {
      const due: DueErasure[] = [];
      const query = `WorkflowType = "${ERASE_WORKFLOW_TYPE}" AND ExecutionStatus = "Running"`;
      for await (const wf of client.workflow.list({ query })) {
        due.push({
          referenceNo: wf.typedSearchAttributes.get(IdwiseReferenceNo) ?? wf.workflowId.replace(/^idwise-erase-/, ''),
          workflowId: wf.workflowId,
          dueAt: wf.executionTime ?? null,
          stage: wf.typedSearchAttributes.get(IdwiseStage) ?? 'unknown',
        });
      }
      return due.sort((a, b) => (a.dueAt?.getTime() ?? 0) - (b.dueAt?.getTime() ?? 0));
    },
  };
}

function validate(referenceNo: string, rawReason: string | undefined): { ref: string; reason: string } {
  const issues: InputIssue[] = [];
  const ref = typeof referenceNo === 'string' ? referenceNo.trim() : '';
  if (!ref) issues.push({ path: 'referenceNo', message: 'referenceNo is required' });
  else if (ref.length > 100 || !REFERENCE_NO_PATTERN.test(ref)) {
    issues.push({
      path: 'referenceNo',
      message: 'referenceNo may contain only A-Z a-z 0-9 and - _ / \\ , . + @ (at most 100)',
    });
  }
  const reason = (rawReason ?? '').trim() || 'not given';
  if (reason.length > MAX_REASON) {
    issues.push({
      path: 'reason',
      message: `must be at most ${MAX_REASON} characters: a case or ticket number, never the applicant's name`,
    });
  }
  if (issues.length > 0) throw new JourneyInputError(issues);
  return { ref, reason };
}
