import { resolveWeed } from '../dev/seaweedfs.js';

// `npx tsx scripts/seaweedfs.ts`: finds SeaweedFS's weed (building it once with Go when needed) and prints its path.
try {
  console.log(JSON.stringify({ path: resolveWeed() }));
} catch (err) {
  console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
