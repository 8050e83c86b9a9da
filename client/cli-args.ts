import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake in how the command was called: one line on stderr, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

export type Command = (args: string[], io: CliIo) => Promise<number>;

type Options = NonNullable<ParseArgsConfig['options']>;
/** Named so that the built .d.ts can refer to it (node:util does not export parseArgs' result type). */
export type ParsedArgs<T extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>
>;

export function parse<T extends Options>(args: string[], options: T): ParsedArgs<T> {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify.*$/s, ''));
  }
}

export function one(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(`expected exactly one ${what}, got ${positionals.length}`);
  return positionals[0]!;
}
