import { resolveTemporalCli } from '../dev/temporal-cli.js';

// `npm run temporal:cli`: finds the Temporal CLI (building it once with Go when needed) and prints its path.
try {
  const cli = resolveTemporalCli();
  console.log(JSON.stringify({ source: cli.source, path: cli.path }));
} catch (err) {
  console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
