import { createHash } from 'node:crypto';
import type { Switches } from './config.js';
import { documentType, extractedFields, FAKE_PERSON, idwiseTime, ISSUING_COUNTRY } from './fake-data.js';
import { finalProcessingEnded, viewStep, type Journey, type StepState } from './journeys.js';
import { evaluateRules, systemDecision, type RuleCheck } from './rules.js';
import { serializeStepId } from './summary.js';

// Get Journey Result's body (idwise-api.md §7). Until final processing has ended it is the partial graph the
// spec infers: system_decision Incomplete and end_time null. A reviewed Refer journey (§10, §11) carries the
// manual decision, which is then also the final decision, and manual_review_time ([G]).

const uuidFrom = (seed: string) => {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
};

function progressOf(step: StepState, now: number) {
  const { status } = viewStep(step, now);
  return status === 'Submitted' ? 'Completed' : status === 'In Progress' ? 'Started' : 'NotStarted';
}

interface ResultContext {
  journey: Journey;
  switches: Switches;
  now: number;
}

function documentEntry(ctx: ResultContext, step: StepState, isIdDoc: boolean, selfiePath: string | null) {
  const { journey, now } = ctx;
  const view = viewStep(step, now);
  const done = view.status === 'Submitted';
  const [front, back] = view.latest?.images ?? [];
  const fields = view.passed ? extractedFields(step.def, journey.id) : {};
  const extracted: Record<string, unknown> = Object.fromEntries(
    Object.entries(fields).map(([k, value]) => [k, { value, read_accuracy: 'High', type: 'string' }]),
  );
  if (view.passed && isIdDoc) extracted.Photo = { value: null, read_accuracy: null, type: 'image' };
  const matched = journey.scenario !== 'reject';
  return {
    step_id: serializeStepId(step.def.id, ctx.switches),
    step_title: step.def.title,
    progress: progressOf(step, now),
    has_passed_rules: view.passed,
    document_type: done ? documentType(step.def) : null,
    document_subtype: null,
    issuing_country: view.passed ? ISSUING_COUNTRY.name : null,
    issuing_country_code: view.passed ? ISSUING_COUNTRY.code : null,
    extracted_fields: extracted,
    validation_result: done
      ? {
          validation_outcome: view.passed ? 'Passed' : 'Failed',
          validation_checks: [
            {
              name: 'Document Classification (Front)',
              description: 'Checks that the document type can be determined',
              result: view.passed ? 'Passed' : 'Failed',
              result_description: view.passed
                ? 'The document type was determined'
                : 'The document is not fully visible',
            },
          ],
        }
      : null,
    face_match_result:
      isIdDoc && view.passed && selfiePath && front
        ? {
            is_matched: matched,
            score: matched ? 99 : 12,
            images: [
              { image_path: selfiePath, image_source: 'Selfie' },
              { image_path: front.path, image_source: 'Document' },
            ],
          }
        : null,
    images: {
      input_image_path: front?.path ?? null,
      back_side_image_path: back?.path ?? null,
      front_side_cropped_image_path: front ? `${front.path}c` : null,
      back_side_cropped_image_path: back ? `${back.path}c` : null,
    },
  };
}

function selfieEntry(journey: Journey, step: StepState | undefined, now: number) {
  if (!step) return null;
  const view = viewStep(step, now);
  const image = view.latest?.images[0];
  if (view.status !== 'Submitted' || view.skipped || !image) {
    return {
      status: 'Not Started',
      has_passed_rules: false,
      is_live: null,
      liveness_status_code: null,
      image_path: null,
    };
  }
  const status = view.passed && journey.scenario !== 'reject' ? 'Complete' : 'Refer';
  const liveness = view.passed ? null : 'FACE_NOT_FOUND';
  return {
    status,
    has_passed_rules: view.passed,
    is_live: view.passed,
    liveness_status_code: liveness,
    image_path: image.path,
  };
}

function ruleResults(rules: RuleCheck[], completed: boolean) {
  // After completion a rule that could not be applied (a missing step) counts as failed.
  const final = (r: RuleCheck['result']) => (completed && r === 'CouldNotApply' ? 'Failed' : r);
  return Object.fromEntries(
    rules.map((r) => [
      r.key,
      {
        name: r.name,
        result: final(r.result),
        description: r.description,
        information: '',
        tips: '',
        details: r.steps.map(({ step, result }) => ({
          title: step.def.title,
          result: final(result),
          result_description: `${step.def.title}: ${final(result)}`,
          reference_object: {
            object_key: step.def.type === 'Selfie' ? 'selfie' : 'documents',
            instance_key: step.def.id,
          },
        })),
      },
    ]),
  );
}

export function journeyResult(journey: Journey, switches: Switches, now: number) {
  const rules = evaluateRules(journey, now);
  const decision = systemDecision(journey, rules, switches, now);
  const review = journey.review;
  const selfieStep = journey.steps.find((s) => s.def.type === 'Selfie');
  const selfie = selfieEntry(journey, selfieStep, now);
  const docSteps = journey.steps.filter((s) => s.def.type === 'Document' && !viewStep(s, now).skipped);
  const idDoc = journey.steps.find((s) => s.def.type === 'Document');
  const idPassed = idDoc ? viewStep(idDoc, now).passed : false;
  const selfiePath = selfie?.has_passed_rules ? selfie.image_path : null;
  return {
    journey_id: journey.id,
    customer_id: uuidFrom(`customer:${journey.environment}`),
    journey_definintion_id: journey.flow.flowId,
    flow_id: journey.flow.flowId,
    reference_number: journey.referenceNo,
    start_time: idwiseTime(journey.startedAt),
    end_time: idwiseTime(finalProcessingEnded(journey, now) ? journey.finalAt : null),
    system_decision: decision,
    manual_decision: review?.decision ?? null,
    final_decision: review?.decision ?? decision,
    manual_review_time: idwiseTime(review?.at ?? null),
    model_version: '3.0',
    documents: Object.fromEntries(
      docSteps.map((s) => [s.def.id, documentEntry({ journey, switches, now }, s, s === idDoc, selfiePath)]),
    ),
    selfie,
    rule_results: ruleResults(rules, journey.completedAt !== null),
    applicant: {
      applicant_id: uuidFrom(`applicant:${journey.id}`),
      profile_image_path: selfiePath,
      full_name: idPassed ? `${FAKE_PERSON.firstName} ${FAKE_PERSON.lastName}` : null,
      personal_number: null,
      birth_date: idPassed ? FAKE_PERSON.birthDate : null,
    },
    aml: { applicability: journey.applicantDetails ? 'Applicable' : 'Skipped', matches: [] },
    screening_checks: {},
  };
}
