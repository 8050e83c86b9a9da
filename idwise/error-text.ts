// What of an IDWise error answer may be kept. IDWise (or a proxy in front of it) can echo the request in its message,
// and the message travels into workflow history, the journey.failed event, worker logs and the CLI: so only what
// cannot carry the request is kept (issue 20, item 1).

/** IDWise's codes are identifiers such as `invalid_flowId`; anything else (a proxy's free text) is not kept. */
export function safeErrorCode(code: string | null | undefined): string | null {
  return code && /^[a-z][A-Za-z0-9_.-]{0,63}$/.test(code) ? code : null;
}

// Words an error message may open with. A capitalised word elsewhere, or one not listed here, can be a name, so
// the message is cut before it.
const OPENERS = new Set(
  (
    'a access an applicant authorization bad body cannot content could document duplicate empty error failed field ' +
    'file flow forbidden form image internal invalid journey limit malformed mandatory maximum method missing no not ' +
    'only payload please rate reference request required resource service step the this too unable unauthorized ' +
    'unknown unsupported validation value wrong'
  ).split(' '),
);
const ACRONYMS = new Set(['API', 'AML', 'HTTP', 'ID', 'IP', 'JSON', 'KYC', 'NFC', 'URL']);

/**
 * IDWise's message, reduced to what cannot carry the request: an IDWise (or a proxy) that echoes the body would put
 * the applicant's name and birth date in failures, events, logs and the CLI. Only the leading plain words are kept:
 * lower-case letters and underscores, a few acronyms, and a capitalised first word from OPENERS. The message stops
 * at the first other token (a quote, brace, colon, digit, capitalised word) and after eight words; the status and
 * error_code say the rest. Null when nothing is left.
 */
export function reduceMessage(message: string | null | undefined): string | null {
  const words: string[] = [];
  for (const word of (message ?? '').trim().split(/\s+/)) {
    const bare = word.replace(/[.,;:]$/, '');
    const plain =
      ACRONYMS.has(bare) ||
      (/^[a-z_]{1,32}$/.test(bare) && bare !== '_') ||
      (words.length === 0 && /^[A-Z][a-z]{0,31}$/.test(bare) && OPENERS.has(bare.toLowerCase()));
    if (!plain || words.length === 8) break;
    words.push(bare);
    if (bare !== word) break; // a sentence or clause ended here
  }
  return words.length > 0 ? words.join(' ') : null;
}
