// Stable ApplicationFailure type names: activities throw them, workflows list the non-retryable
// ones in their retry policies, and callers match on them instead of parsing messages.
export const ErrorType = {
  /** Workflow input failed validation (names the field). */
  InvalidInput: 'InvalidJourneyInput',
  /** A mapping key is not a step of the flow. */
  UnknownStep: 'UnknownStepId',
  /** A required step got no files before the wait-for-files timeout. */
  StepFilesTimeout: 'StepFilesTimeout',
  /** IDWise did not finish processing a step before its deadline. */
  StepProcessingTimeout: 'StepProcessingTimeout',
  /** IDWise has not finished processing the step yet (benign, retried on a fixed cadence). */
  StepNotProcessed: 'StepNotProcessed',
  /** Final processing after complete-journey has not ended yet (benign, retried on a fixed cadence). */
  DecisionNotFinal: 'DecisionNotFinal',
  /** No reviewer has decided yet (benign, retried every reviewCheckInterval). */
  ReviewPending: 'ReviewPending',
  /** IDWise's final processing did not end within finalDecisionDeadline. */
  FinalDecisionTimeout: 'FinalDecisionTimeout',
  /** A required step takes no image (AML and other non-document steps) and has no files mapped. */
  NonImageStep: 'NonImageStep',
  /** An image failed our pre-upload checks (missing, empty, wrong format, too large). */
  InvalidImage: 'IdwiseInvalidImage',
  IdwiseAuth: 'IdwiseAuthError',
  IdwiseForbidden: 'IdwiseForbiddenError',
  IdwiseNotFound: 'IdwiseNotFoundError',
  IdwiseValidation: 'IdwiseValidationError',
  IdwiseBadResponse: 'IdwiseBadResponseError',
  IdwiseRateLimited: 'IdwiseRateLimitedError',
  IdwiseServer: 'IdwiseServerError',
  IdwiseTimeout: 'IdwiseTimeoutError',
  IdwiseNetwork: 'IdwiseNetworkError',
  /** Sealed applicant details cannot be opened (key missing or different, or sealed for another journey). */
  ApplicantDetailsUnreadable: 'ApplicantDetailsUnreadable',
  /**
   * A payload could not be decrypted (codec key id unknown, or a different key under that id). The SDK fails
   * an activity whose input it cannot decode with the codec error's class name as the type.
   */
  PayloadDecryptionFailed: 'PayloadDecryptionFailed',
} as const;
export type ErrorType = (typeof ErrorType)[keyof typeof ErrorType];

/** Failure types that retrying cannot fix. */
export const NON_RETRYABLE_ERROR_TYPES: readonly ErrorType[] = [
  ErrorType.InvalidInput,
  ErrorType.UnknownStep,
  ErrorType.StepFilesTimeout,
  ErrorType.StepProcessingTimeout,
  ErrorType.FinalDecisionTimeout,
  ErrorType.NonImageStep,
  ErrorType.InvalidImage,
  ErrorType.IdwiseAuth,
  ErrorType.IdwiseForbidden,
  ErrorType.IdwiseNotFound,
  ErrorType.IdwiseValidation,
  ErrorType.ApplicantDetailsUnreadable,
  // The SDK marks an activity whose input cannot be decoded retryable; a missing key does not come back.
  ErrorType.PayloadDecryptionFailed,
  // Not IdwiseBadResponse: the client decides per call (a garbled read is retried, a garbled start is not)
  // and marks the failure non-retryable itself when a retry could duplicate a journey.
];
