#!/usr/bin/env node
import { runCli } from './cli.js';

// The CLI's process boundary: everything else is testable in-process through runCli.
const code = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
});
// The gRPC channel would keep the process alive; exit once stdout has drained.
process.stdout.write('', () => process.exit(code));
