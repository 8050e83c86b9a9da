# The IDWise journey worker (workflows + activities). Built by docker-compose.temporal.yml, or on its own:
#   docker build -f deploy/worker.Dockerfile -t idwise-journey-worker:0.1.0 .
#
# Configuration comes only from the environment at run time; nothing secret is baked into the image.
# Every variable is documented in .env.example:
#   Temporal connection (@temporalio/envconfig): TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY,
#     TEMPORAL_TLS, TEMPORAL_TLS_CLIENT_CERT_PATH, TEMPORAL_TLS_CLIENT_KEY_PATH, TEMPORAL_TLS_SERVER_CA_CERT_PATH,
#     TEMPORAL_TLS_SERVER_NAME, TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE
#   Worker: TEMPORAL_TASK_QUEUE, IDWISE_METRICS_BIND, IDWISE_MAX_CALLS_PER_SECOND, IDWISE_WORKFLOW_BUNDLE,
#     IDWISE_WORKER_HEALTH_BIND, IDWISE_MAX_CACHED_WORKFLOWS, IDWISE_MAX_CONCURRENT_ACTIVITIES
#   Encryption: IDWISE_CODEC_KEYS (required), IDWISE_PII_KEYS (IDWISE_PII_KEY, deprecated)
#   Journey events: IDWISE_EVENTS_URL, IDWISE_EVENTS_SECRET
#   Data lifecycle: IDWISE_RETENTION (erase a journey's data this long after it ends)
#   IDWise API: IDWISE_REGION, IDWISE_BASE_URL, IDWISE_API_KEY, IDWISE_API_SECRET, IDWISE_REQUEST_TIMEOUT_MS,
#     IDWISE_UPLOAD_TIMEOUT_MS, IDWISE_MAX_IMAGE_BYTES, IDWISE_ROUTES
#   Image sources (at least one is required): IDWISE_IMAGE_ROOTS, IDWISE_IMAGE_HOSTS, IDWISE_IMAGE_BUCKETS
#     (IDWISE_ALLOW_HARD_LINKS=on reads files with several hard links)
#   Object storage: IDWISE_S3_ENDPOINT, IDWISE_S3_REGION, IDWISE_S3_FORCE_PATH_STYLE, IDWISE_STAGING_URL
#     (credentials from the AWS SDK's default chain: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile, a role)

# Debian (glibc), not Alpine: the Temporal core bridge, swc and esbuild ship prebuilt glibc binaries.
# Node 24 LTS: Node 20 reached end of life in April 2026 (the package still supports >=20.19, engines).
# Two stages: the build stage has the dev dependencies (TypeScript, tsx) to compile dist/ and bundle the workflows;
# the image itself holds production dependencies and the built JavaScript only.
FROM node:24-bookworm-slim AS build

WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# Bundle the workflows once at build time instead of at every worker start: webpack over this project's
# workflows takes ~7 s of CPU and peaks near 280 MB RSS (measured on a dev machine), which every replica
# would otherwise pay on every start, and all replicas now run byte-identical workflow code.
# worker/worker.ts loads the file named by IDWISE_WORKFLOW_BUNDLE; unset it to bundle the built workflows at start.
RUN npm run build && node --input-type=module -e " \
  import { writeWorkflowBundle } from './dist/worker/index.js'; \
  await writeWorkflowBundle('dist/workflow-bundle.js');"

FROM node:24-bookworm-slim

WORKDIR /app
ENV NODE_ENV=production
# glibc gives each thread that allocates (the Temporal core's runtime threads) its own 64 MB malloc arena; two
# arenas cut the worker's RSS by about 12% with 1000 journeys cached (bench/README.md, "Journeys in flight").
ENV MALLOC_ARENA_MAX=2

# Dependencies first, so a source-only change reuses this layer. --omit=dev is enough to run the built code
# (package.json "dependencies" is what dist/ loads; test/compose.test.ts checks it).
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY --from=build /app/dist ./dist
ENV IDWISE_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js

# Prometheus scrape endpoint of the worker when IDWISE_METRICS_BIND=0.0.0.0:9464 (compose sets it).
EXPOSE 9464

# The official image's unprivileged user; the worker needs no write access to /app.
USER node

# node itself, with the V8 flags of every worker process (worker/node-flags.ts), on the built entry point; no npm
# in between. SIGTERM makes the SDK stop polling and finish in-flight tasks before exiting (run compose with
# `init: true`, or `docker run --init`, so signals reach it and zombies are reaped).
CMD ["node", "--max-semi-space-size=4", "--max-old-space-size=256", "dist/worker/main.js"]
