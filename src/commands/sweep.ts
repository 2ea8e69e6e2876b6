// `nimble sweep --target URL`: smoke test + sweep against any OpenAI-compatible server — no
// cluster, nothing to deploy or clean up — saved as a session like the full cycle.

import type { SessionMeta, SessionStatus } from '../core/events.ts';
import { parseTier } from '../core/tiers.ts';
import { newSessionId } from '../sessions/store.ts';
import { durationFlag, intFlag, numFlag, parse, UsageError } from '../cli/args.ts';
import { validPrefixCacheHit } from '../core/workloads.ts';
import { TIMING } from '../core/sweep.ts';
import { createStopper, endOf, errorText, runTestStages, watchGuards } from '../app/sweep-stage.ts';
import { engineFor, LOAD_FROM_USAGE, loadFromLine, parseLoadFrom } from './load-from.ts';
import { prepareSweepCluster, type SweepClusterPrep } from '../app/sweep-cluster.ts';
import { confirm, processIo, type CommandIo } from './io.ts';

async function confirmLoaders(io: CommandIo, yes: boolean, what: string): Promise<boolean> {
  return yes || confirm(io, `Start ${what}? They cost money until the sweep ends. [y/N] `, io.stderr);
}
import { concurrencyFlag, parseShapes, SWEEP_FLAGS, themeFlag, tokenOverrides } from './flags.ts';
import { finishSession, loadLoadService, loadPriceTable, openSession } from '../app/session.ts';
import { NIMBLE_VERSION } from '../util/version.ts';

export const SWEEP_USAGE = `Usage: nimble sweep --target URL [options]

Smoke-test and sweep any OpenAI-compatible server (NIM, vLLM, llama.cpp, TGI, SGLang, nimble sim).

  --target <url>             base URL of the server (with or without /v1)
  --model <id>               model to send (default: the first id of /v1/models)
  --shape <list>             support,summary,coding (default support)
  --max-concurrency <n>      highest concurrency to try (default 256, at most 4096)
  --prompt-tokens <n>        override the shapes' prompt length     --output-tokens <n>  and output length
  --gpu-shape <shape>        GPU shape behind the server, for $ per token (default VM.GPU.A10.1)
  --gpus <n>                 GPUs behind the server (default 1)
  --api-key-env <VAR>        environment variable holding the API key (default OPENAI_API_KEY if set)
  --sweep-timing <t>         quick | standard (default standard)
  --request-timeout <s>      give up on one request after this many seconds (default 120 quick, 300 standard)
  --prefix-cache-hit <r>     share of each prompt (0 to <1) that every request shares, for a stated
                             prefix-cache hit ratio (default 0: every prompt unique, salted per session)
  --budget <USD>             stop when the GPU time behind the endpoint reaches it
  --max-duration <time>      time box (e.g. 30m, 45s): stop when reached
  --sessions-dir <dir>       where the session is saved
  --json | --plain           one JSON document at the end | progressive lines
  --theme <name>             dark | light | high-contrast
${LOAD_FROM_USAGE}  --context <c> --namespace <ns> --kubeconfig <f>   where the loader pods go (--load-from cluster);
                             a target like http://svc.ns.svc.cluster.local:8000 is reached from here by port-forward
  --yes                      do not ask before starting loader pods

Exit: 0 answered · 3 completed, but the answer is limited by this client (a lower bound) ·
1 failed or no valid answer · 2 usage · 130 stopped
`;

const options = {
  target: { type: 'string' },
  'api-key-env': { type: 'string' },
  context: { type: 'string' },
  namespace: { type: 'string' },
  kubeconfig: { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
  'request-timeout': { type: 'string' },
  'prefix-cache-hit': { type: 'string' },
  ...SWEEP_FLAGS,
} as const;

export function normalizeTarget(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--target must be a URL like http://127.0.0.1:8000, got '${raw}'`, SWEEP_USAGE);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--target must be http(s), got '${url.protocol}'`, SWEEP_USAGE);
  if (url.username || url.password) throw new UsageError('--target must not carry credentials: pass the key with --api-key-env', SWEEP_USAGE);
  return url.origin + url.pathname.replace(/\/+$/, '').replace(/\/v1$/, '');
}

export async function sweepCommand(argv: string[], io: CommandIo = processIo()): Promise<number> {
  const { values: f } = parse(argv, options, SWEEP_USAGE);
  if (f.help) {
    io.stdout.write(SWEEP_USAGE);
    return 0;
  }
  if (!f.target) throw new UsageError('--target is required', SWEEP_USAGE);
  const baseUrl = normalizeTarget(f.target);
  const shapes = parseShapes(f.shape, SWEEP_USAGE);
  const maxConcurrency = concurrencyFlag(f['max-concurrency'], SWEEP_USAGE);
  const gpus = intFlag('gpus', f.gpus, SWEEP_USAGE) ?? 1;
  const tokens = tokenOverrides(f['prompt-tokens'], f['output-tokens'], SWEEP_USAGE);
  themeFlag(f.theme, SWEEP_USAGE);
  const gpuShape = f['gpu-shape'] ?? 'VM.GPU.A10.1';
  const timing = f['sweep-timing'] ?? 'standard';
  if (timing !== 'quick' && timing !== 'standard') throw new UsageError('--sweep-timing must be quick or standard', SWEEP_USAGE);
  const prefixCacheHit = numFlag('prefix-cache-hit', f['prefix-cache-hit'], SWEEP_USAGE) ?? 0;
  if (!validPrefixCacheHit(prefixCacheHit)) throw new UsageError(`--prefix-cache-hit must be from 0 up to (not including) 1, got '${f['prefix-cache-hit']}'`, SWEEP_USAGE);
  const requestTimeoutS = numFlag('request-timeout', f['request-timeout'], SWEEP_USAGE, 1);
  if (requestTimeoutS !== undefined && requestTimeoutS > 3600) throw new UsageError(`--request-timeout must be at most 3600 seconds, got '${f['request-timeout']}'`, SWEEP_USAGE);
  const keyVar = f['api-key-env'] ?? (io.env.OPENAI_API_KEY ? 'OPENAI_API_KEY' : undefined);
  const apiKey = keyVar ? io.env[keyVar] : undefined;
  if (keyVar && !apiKey) throw new UsageError(`environment variable ${keyVar} is empty or not set`, SWEEP_USAGE);
  const loadFrom = parseLoadFrom(f, SWEEP_USAGE, { cluster: true });
  if (loadFrom.kind !== 'cluster' && (f.context || f.namespace || f.kubeconfig)) throw new UsageError('--context, --namespace and --kubeconfig go with --load-from cluster', SWEEP_USAGE);
  const budgetUsd = numFlag('budget', f.budget, SWEEP_USAGE);
  const maxDurationMs = durationFlag('max-duration', f['max-duration'], SWEEP_USAGE);
  const targetTier = f.tier ? parseTier(f.tier) : 'fast';
  if (!targetTier) throw new UsageError(`--tier must be slow, typical, fast or ultra`, SWEEP_USAGE);

  const config = await loadPriceTable();
  const priceTable = config.table;
  const load = await loadLoadService();
  const sessionId = newSessionId(new Date(), 'endpoint');
  let cluster: SweepClusterPrep | null = null;
  if (loadFrom.kind === 'cluster') {
    try {
      cluster = await prepareSweepCluster({ target: baseUrl, context: f.context, namespace: f.namespace, kubeconfig: f.kubeconfig, workers: loadFrom.workers, cpu: loadFrom.cpu, allowGpuNode: loadFrom.allowGpuNode, sessionId });
    } catch (err) {
      io.stderr.write(`nimble sweep: cannot use the cluster for loaders: ${errorText(err)}\n`);
      return 1;
    }
    const failed = cluster.checks.filter((c) => c.status === 'fail');
    if (failed.length) {
      cluster.close();
      io.stderr.write(failed.map((c) => `nimble sweep: ${c.label}: ${c.detail}\n  what to do: ${c.fix ?? ''}\n`).join(''));
      return 1;
    }
    if (!(await confirmLoaders(io, Boolean(f.yes), `${loadFrom.workers} loader pods in context ${cluster.context}, namespace ${cluster.namespace}`))) {
      cluster.close();
      io.stderr.write('nimble sweep: nothing was created. Pass --yes to confirm when there is no terminal to ask on.\n');
      return 1;
    }
  }
  const localUrl = cluster?.localUrl ?? baseUrl;
  let model = f.model;
  if (!model) {
    try {
      model = await load.resolveModel!(localUrl, apiKey);
    } catch (err) {
      io.stderr.write(`nimble sweep: could not read ${localUrl}/v1/models (${errorText(err)}). Is the server up? Pass --model to skip this.\n`);
      cluster?.close();
      return 1;
    }
  }
  const meta: SessionMeta = {
    id: sessionId,
    nimbleVersion: NIMBLE_VERSION,
    mode: 'endpoint',
    startedAt: new Date().toISOString(),
    target: baseUrl,
    model: model!,
    gpuShape,
    gpuCount: gpus,
    priceTable: priceTable.name,
    targetTier,
    flags: Object.fromEntries(Object.entries(f).map(([k, v]) => [k, v as string | boolean])),
    shapes,
    loadFrom: loadFromLine(loadFrom),
    ...(cluster ? { context: cluster.context, namespace: cluster.namespace } : {}),
  };
  const session = await openSession(meta, { json: f.json, plain: f.plain, theme: f.theme, sessionsDir: f['sessions-dir'], configSessionsDir: config.sessionsDir }, priceTable, apiKey ? [apiKey] : []);
  const { bus } = session;
  let status: SessionStatus;
  let reason: string | undefined;
  bus.emit({ type: 'session.started', meta });
  bus.emit({ type: 'endpoint', endpoint: { baseUrl, via: cluster && localUrl !== baseUrl ? 'port-forward' : 'load-balancer' } });
  for (const check of cluster?.checks ?? []) bus.emit({ type: 'preflight.check', check });
  // nimble does not own this server, but its GPU time is what the measurement costs: bill it for
  // the length of the test so $ figures compare with full-cycle sessions (and the budget guards it).
  const gpu = { id: 'gpu-node', priceItem: gpuShape, quantity: gpus, label: `${gpus}× GPU on ${gpuShape} (behind the endpoint, not managed by nimble)` };
  bus.emit({ type: 'cluster.signal', signal: { kind: 'resource', resource: gpu, action: 'start' } });
  // The same stages, stop control and guards as nimble run (src/app/sweep-stage.ts).
  const stopper = createStopper(session.abort.signal);
  const unwatch = watchGuards(bus, { budgetUsd, maxDurationMs, priceTable }, stopper);
  try {
    const result = await runTestStages(
      {
        baseUrl: localUrl,
        model: model!,
        apiKey,
        shapes,
        maxConcurrency,
        gpuShape,
        gpuCount: gpus,
        priceTable,
        sweepTiming: timing,
        tokens,
        engine: cluster ? cluster.engine((s) => bus.emit({ type: 'cluster.signal', signal: s })) : await engineFor(loadFrom),
        prefixCacheHit,
        timingOverrides:
          requestTimeoutS === undefined ? undefined : { requestTimeoutMs: requestTimeoutS * 1000, stallTimeoutMs: Math.min(requestTimeoutS * 1000, TIMING[timing].stallTimeoutMs) },
      },
      { bus, load },
      stopper,
    );
    status = result.status;
    reason = result.reason;
  } catch (err) {
    ({ status, reason } = endOf(err, stopper));
    if (status === 'failed') bus.emit({ type: 'error', where: 'sweep', message: reason });
  } finally {
    unwatch();
    stopper.dispose();
  }
  cluster?.close();
  bus.emit({ type: 'cluster.signal', signal: { kind: 'resource', resource: gpu, action: 'stop' } });
  bus.emit({ type: 'stage.started', stage: 'summary' });
  bus.emit({ type: 'session.ended', status, reason });
  return await finishSession(session, priceTable);
}
