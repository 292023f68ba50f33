#!/usr/bin/env node
// The Node and glibc settings each service's process runs with: the one place that the Docker image's
// entrypoint, the Helm chart (values.yaml `processEnv`, kept equal by test/deploy/helm.test.ts), `npm start`
// and the benchmark read. Not runtime config (packages/runtime): these must be in the environment before the
// process starts.
//
//   node infra/process-env.mjs <service>   prints `export NAME='value'` lines for a POSIX shell
//
// Why (bench memory and reconcile scenarios; bench/analysis.md "Memory"):
// - `--max-semi-space-size=4` (MB): under a high allocation rate V8 grows each semi-space of the young
//   generation to 16 MB and keeps it, so the young generation alone held 32 MB of each busy service's RSS.
//   Request and message garbage dies young; smaller semi-spaces mean more scavenges, and more objects of
//   requests in flight promoted to the old generation. The ingress under 50 connections (in-process, no broker):
//   default 117 MB RSS, 8 MB → 103, 4 MB → 90, 2 MB → 87 MB, for roughly +10–15% CPU per request at 4 MB.
// - `--max-old-space-size=128` (MB): several times each service's live heap (20–40 MB under load), so bursts
//   fit; V8 also grows the heap less eagerly under a low limit: the ingress held 114–132 MB RSS without it and
//   92–95 MB with it, at the same CPU per request. Raise it with the pod's memory limit (the reconciler's live set
//   is ~10 MB per 100,000 listed identities, see packages/reconcile engine.ts). Not for identity-sync: its
//   batches (200 messages, their JSON to Postgres and back out) made it collect so often under the cap that a
//   drained message cost 192–265 µs of its CPU against 140–160 µs without (bench drain, alternating runs).
// - MALLOC_ARENA_MAX=2: glibc gives each thread that allocates (V8's compiler and GC helpers, libuv's pool) an
//   arena of its own, up to 8 per core, and each keeps what was freed in it; two arenas share that memory.
// Not here, because NODE_OPTIONS refuses V8's wasm flags: Prisma's query compiler runs as Liftoff code only
// (packages/db client.ts), which saves ~45 MB in every process that queries through Prisma.

const SETTINGS = Object.freeze({
  NODE_OPTIONS: '--max-semi-space-size=4 --max-old-space-size=128',
  MALLOC_ARENA_MAX: '2',
});

/** @type {Readonly<Record<string, Readonly<Record<string, string>>>>} */
export const PROCESS_ENV = Object.freeze({
  ingress: SETTINGS,
  'identity-sync': Object.freeze({ NODE_OPTIONS: '--max-semi-space-size=4', MALLOC_ARENA_MAX: '2' }),
  subscribers: SETTINGS,
  notifier: SETTINGS,
  reconciler: SETTINGS,
  ops: SETTINGS,
});

/**
 * The environment `service` starts with: its settings, under what `inherited` already sets. NODE_OPTIONS are
 * joined with the inherited ones last (a later flag wins, e.g. an operator's `--import` for tracing or a larger
 * heap); an inherited MALLOC_ARENA_MAX is kept.
 * @param {string} service
 * @param {Record<string, string | undefined>} [inherited]
 * @returns {Record<string, string>}
 */
export function processEnvOf(service, inherited = {}) {
  const own = PROCESS_ENV[service];
  if (!own) return {};
  /** @type {Record<string, string>} */
  const env = {};
  for (const [name, value] of Object.entries(own)) {
    const given = inherited[name];
    if (given === undefined || given.trim() === '') env[name] = value;
    else env[name] = name === 'NODE_OPTIONS' ? `${value} ${given}` : given;
  }
  return env;
}

/** `export NAME='value'` lines for a POSIX shell's `eval`. */
function shellExports(env) {
  return Object.entries(env)
    .map(([name, value]) => `export ${name}='${value.replaceAll("'", `'\\''`)}'`)
    .join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const service = process.argv[2] ?? '';
  if (!PROCESS_ENV[service]) {
    console.error(`process-env: unknown service '${service}' (${Object.keys(PROCESS_ENV).join(', ')})`);
    process.exit(2);
  }
  console.log(shellExports(processEnvOf(service, process.env)));
}
