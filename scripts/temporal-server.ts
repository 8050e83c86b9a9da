import { resolveServerBinaries } from '../cluster/binaries.js';

// `npm run temporal:server`: finds temporal-server and temporal-sql-tool for `npm run cluster` (building them once
// with Go when needed) and prints where they are. CI runs it before the tests so no test waits for a build.
try {
  const { server, sql, source, buildSeconds } = resolveServerBinaries();
  console.log(JSON.stringify({ source, server, sql, buildSeconds }));
} catch (err) {
  console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
