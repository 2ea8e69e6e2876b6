// `nimble run`: the whole cycle (preflight, deploy, smoke test, sweep, cleanup) on the simulator or
// a cluster. Parses the flags, builds the deploy spec and the cluster, and hands them to the cycle.

import { processIo, type CommandIo } from './io.ts';
import type { CleanupOptions, Cluster, ClusterSignal, DeploySpec } from '../core/cluster.ts';
import type { SessionMeta } from '../core/events.ts';
import { spentOnDay } from '../core/guard.ts';
import { createSimCluster } from '../sim/cluster.ts';
import { autoTimeScale, PROFILE_LEVERS } from '../sim/profiles.ts';
import { listSessions, resolveSessionsDir, newSessionId } from '../sessions/store.ts';
import { NIMBLE_VERSION } from '../util/version.ts';
import { durationFlag, intFlag, numFlag, parse, UsageError } from '../cli/args.ts';
import { runCycle } from '../app/cycle.ts';
import { finishSession, loadLoadService, loadPriceTable, openSession } from '../app/session.ts';
import { chooseOutputMode } from '../app/output.ts';
import { PATTERN_FLAGS, runPatternFromFlags } from './pattern-flags.ts';
import { engineFor, inClusterUrl, LOAD_FROM_USAGE, loadFromLine, parseLoadFrom, withLoaderPreflight } from './load-from.ts';
import { concurrencyFlag, parseShapes, SWEEP_FLAGS, themeFlag, tierFlag, tokenOverrides } from './flags.ts';

export const RUN_USAGE = `Usage: nimble run [--sim] [options]

Deploy a NIM, smoke-test it, sweep concurrency to the breaking point, clean up, save the session.

Simulator:
  --sim                      use the built-in simulated cluster and NIM (no cluster, no GPU)
  --profile <tier>           simulated deploy speed: slow | typical | fast | ultra (default typical)
  --time-scale <n>           play simulated deploy/cleanup n× faster (default: deploy in ~15 s)
  --seed <n>                 seed for the simulator's randomness (default 1)
  --nim-profile <name>       simulated GPU/model calibration (default a10-llama-3.1-8b)
  --fail <mode>              make the simulated deploy fail: insufficient-gpu | image-pull-auth
Cluster (without --sim):
  --context <name>           kubectl context (default: current)     --namespace <ns> (default nimble)
  --release <name>           helm release (default nimble-nim)        --chart <nim-llm[@ver]|builtin|dir|url>
  --image <repo> --tag <t>   NIM image                                 --ngc-key-file <file>
  --kubeconfig <file>        --kubectl <path>  --helm <path>  (default: KUBECONFIG, and both on PATH)
  --tier <tier>              target tier: the budgets the timeline shows and the cost projection
                             (default: fast on a cluster, the --profile on the simulator)
  --service-type <t>         LoadBalancer | ClusterIP (port-forward)   --yes  (do not ask to confirm)
  --service-port <n>         port the NIM's Service exposes (default 8000)
  --via <how>                helm (default) | operator: NVIDIA's NIM Operator (NIMCache + NIMService;
                             --keep-cache keeps the NIMCache)
Both:
  --model <id>               model (default meta/llama-3.1-8b-instruct)
  --gpu-shape <shape>        GPU node shape for pricing (default VM.GPU.A10.1)   --gpus <n> (default 1)
  --cache-size <GiB>         model cache volume (default 50)    --keep-cache  keep it on cleanup
  --keep-secrets             keep the NGC secrets (and so the namespace) after the run; by default
                             cleanup deletes them, and the namespace when nimble created it
  --shape <list>             workload shapes: support,summary,coding (default support)
  --max-concurrency <n>      highest concurrency the sweep tries (default 256, at most 4096)
  --sweep-timing <t>         quick | standard (default quick on --sim, standard on a cluster)
  --prompt-tokens <n>        override the shapes' prompt length     --output-tokens <n>  and output length
  --no-sweep                 deploy, smoke test and clean up only
  --pattern <kind> …         then a load pattern: step | spike | stress | soak (flags as nimble load,
                             or --pattern-file f.json); with --no-sweep, the pattern instead of the sweep
  --budget <USD>             refuse to start above it; stop and clean up when reached
  --max-duration <time>      time box (e.g. 30m): stop and clean up when reached
  --sessions-dir <dir>       where sessions are saved (default ./sessions, or $NIMBLE_SESSIONS_DIR)
  --json | --plain           one JSON document at the end | progressive lines (default when not a TTY)
  --theme <name>             dark | light | high-contrast (NO_COLOR is respected)
${LOAD_FROM_USAGE}
Exit: 0 answered · 3 completed, but the answer is limited by this client (a lower bound) ·
1 failed or no valid answer · 2 usage · 130 stopped
`;

const runOptions = {
  sim: { type: 'boolean' },
  profile: { type: 'string' },
  'time-scale': { type: 'string' },
  seed: { type: 'string' },
  'nim-profile': { type: 'string' },
  fail: { type: 'string' },
  context: { type: 'string' },
  namespace: { type: 'string' },
  release: { type: 'string' },
  chart: { type: 'string' },
  image: { type: 'string' },
  tag: { type: 'string' },
  'ngc-key-file': { type: 'string' },
  kubeconfig: { type: 'string' },
  kubectl: { type: 'string' },
  helm: { type: 'string' },
  'service-type': { type: 'string' },
  via: { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
  'cache-size': { type: 'string' },
  'service-port': { type: 'string' },
  'storage-class': { type: 'string' },
  'keep-cache': { type: 'boolean' },
  'keep-secrets': { type: 'boolean' },
  'no-sweep': { type: 'boolean' },
  // nimble run --pattern spike …: the load pattern after the sweep (src/commands/load.ts).
  ...PATTERN_FLAGS,
  ...SWEEP_FLAGS,
} as const;

/**
 * What `nimble run` cleans up: the NGC key never outlives the run unless asked; the namespace goes
 * too when nimble made it and nothing kept lives there (src/kube/cleanup.ts planCredentialCleanup).
 */
export function runCleanupOptions(o: { keepCache: boolean; keepSecrets: boolean }): CleanupOptions {
  return { keepCache: o.keepCache, removeSecrets: !o.keepSecrets, removeNamespace: true };
}

export async function runCommand(argv: string[], io: CommandIo = processIo()): Promise<number> {
  const { values: f } = parse(argv, runOptions, RUN_USAGE);
  if (f.help) {
    io.stdout.write(RUN_USAGE);
    return 0;
  }
  const sim = Boolean(f.sim);
  const profile = tierFlag('profile', f.profile, 'typical', RUN_USAGE);
  const targetTier = tierFlag('tier', f.tier, sim ? profile : 'fast', RUN_USAGE);
  const timeScale = sim ? (numFlag('time-scale', f['time-scale'], RUN_USAGE, 1) ?? autoTimeScale(profile)) : 1;
  const seed = intFlag('seed', f.seed, RUN_USAGE, 0) ?? 1;
  const shapes = parseShapes(f.shape, RUN_USAGE);
  const pattern = runPatternFromFlags(f as Record<string, string | boolean | undefined>, RUN_USAGE, shapes[0]);
  const maxConcurrency = concurrencyFlag(f['max-concurrency'], RUN_USAGE);
  const budgetUsd = numFlag('budget', f.budget, RUN_USAGE);
  const maxDurationMs = durationFlag('max-duration', f['max-duration'], RUN_USAGE);
  const gpus = intFlag('gpus', f.gpus, RUN_USAGE) ?? 1;
  const cacheSize = intFlag('cache-size', f['cache-size'], RUN_USAGE) ?? 50;
  const servicePort = intFlag('service-port', f['service-port'], RUN_USAGE);
  if (servicePort !== undefined && (servicePort < 1 || servicePort > 65535)) throw new UsageError('--service-port must be between 1 and 65535', RUN_USAGE);
  if (servicePort !== undefined && sim) throw new UsageError('--service-port only applies to a cluster (without --sim)', RUN_USAGE);
  const serviceType = f['service-type'] ?? 'LoadBalancer';
  if (serviceType !== 'LoadBalancer' && serviceType !== 'ClusterIP') throw new UsageError(`--service-type must be LoadBalancer or ClusterIP`, RUN_USAGE);
  const via = f.via ?? 'helm';
  if (via !== 'helm' && via !== 'operator') throw new UsageError('--via must be helm or operator', RUN_USAGE);
  if (f.via && sim) throw new UsageError('--via only applies to a cluster (without --sim)', RUN_USAGE);
  if (via === 'operator' && f.chart) throw new UsageError('--chart does not apply with --via operator (the operator runs the NIM image itself)', RUN_USAGE);
  const sweepTiming = f['sweep-timing'] ?? (sim ? 'quick' : 'standard');
  if (sweepTiming !== 'quick' && sweepTiming !== 'standard') throw new UsageError(`--sweep-timing must be quick or standard`, RUN_USAGE);
  if (f.fail && f.fail !== 'insufficient-gpu' && f.fail !== 'image-pull-auth') throw new UsageError(`--fail must be insufficient-gpu or image-pull-auth`, RUN_USAGE);
  if (f.fail && !sim) throw new UsageError('--fail only applies to the simulator (--sim)', RUN_USAGE);
  const loadFrom = parseLoadFrom(f, RUN_USAGE, { cluster: !sim });
  themeFlag(f.theme, RUN_USAGE);
  // Every flag is checked before the session folder exists: a usage error leaves nothing on disk.
  const tokens = tokenOverrides(f['prompt-tokens'], f['output-tokens'], RUN_USAGE);

  const config = await loadPriceTable();
  const priceTable = config.table;
  const model = f.model ?? 'meta/llama-3.1-8b-instruct';
  const gpuShape = f['gpu-shape'] ?? 'VM.GPU.A10.1';
  const levers = sim ? PROFILE_LEVERS[profile] : { cachedModel: false, prePulledImage: false, warmNode: false, parallelLoadBalancer: true, sizedProbes: true };
  const spec: DeploySpec = {
    release: f.release ?? 'nimble-nim',
    namespace: f.namespace ?? 'nimble',
    model,
    image: f.image ?? `nvcr.io/nim/${model}`,
    imageTag: f.tag ?? '1.3.3',
    gpuShape,
    gpuCount: gpus,
    cache: { keep: Boolean(f['keep-cache']), sizeGi: cacheSize, storageClass: f['storage-class'] ?? 'oci-bv' },
    serviceType,
    probeProfile: 'small',
    levers,
    // NVIDIA's nim-llm from NGC on a real cluster; the builtin chart for the simulator (offline).
    chart: f.chart ?? (sim ? 'builtin' : 'nim-llm'),
    ...(servicePort !== undefined ? { servicePort } : {}),
    ...(via === 'operator' ? { via } : {}),
  };

  const sessionId = newSessionId(new Date(), sim ? 'sim' : 'cluster');
  let cluster: Cluster | undefined;
  let ngcKey: string | undefined;
  let context: string | undefined;
  // The driver's raw lines reach the session once it exists (the key is scrubbed by the driver).
  let logSink: (source: string, line: string) => void = () => {};
  if (!sim) {
    const { prepareClusterRun } = await import('../app/cluster-run.ts');
    const prepared = await prepareClusterRun({
      context: f.context,
      namespace: spec.namespace,
      kubeconfig: f.kubeconfig,
      kubectl: f.kubectl,
      helm: f.helm,
      ngcKeyFile: f['ngc-key-file'],
      yes: Boolean(f.yes),
      askInApp: chooseOutputMode(f) === 'tui',
      json: Boolean(f.json),
      release: spec.release,
      sessionId,
      priceTable,
      log: (source, line) => logSink(source, line),
    });
    if (!prepared.ok) {
      io.stderr.write(prepared.message + '\n');
      return prepared.exitCode;
    }
    cluster = prepared.cluster;
    ngcKey = prepared.ngcKey;
    context = prepared.context;
    spec.namespace = prepared.namespace;
  }

  const meta: SessionMeta = {
    id: sessionId,
    context,
    namespace: spec.namespace,
    nimbleVersion: NIMBLE_VERSION,
    mode: sim ? 'sim' : 'cluster',
    startedAt: new Date().toISOString(),
    spec,
    sim: sim ? { profile, timeScale, seed, nimProfile: f['nim-profile'] ?? 'a10-llama-3.1-8b' } : undefined,
    model,
    gpuShape,
    gpuCount: gpus,
    priceTable: priceTable.name,
    targetTier,
    flags: Object.fromEntries(Object.entries(f).filter(([k]) => k !== 'ngc-key-file').map(([k, v]) => [k, v as string | boolean])),
    shapes,
    loadFrom: loadFromLine(loadFrom),
  };
  const sessionsDir = resolveSessionsDir({ flag: f['sessions-dir'], configDir: config.sessionsDir });
  const dailyBudget =
    config.dailyBudgetUsd !== undefined ? { dailyBudgetUsd: config.dailyBudgetUsd, spentTodayUsd: spentOnDay(listSessions(sessionsDir).rows, new Date()) } : undefined;
  const session = await openSession(meta, { json: f.json, plain: f.plain, theme: f.theme, sessionsDir }, priceTable, ngcKey ? [ngcKey] : []);
  logSink = (source, line) => session.bus.emit({ type: 'log', source, level: 'info', line });
  if (sim) {
    cluster = createSimCluster({ clock: session.bus.clock, profile, seed, nimProfile: f['nim-profile'], priceTable, failure: f.fail as never });
  }
  const load = await loadLoadService();
  const loadCtx = sim
    ? undefined
    : { cluster: cluster!, namespace: spec.namespace, release: spec.release, sessionId, target: await inClusterUrl(spec), emit: (signal: ClusterSignal) => session.bus.emit({ type: 'cluster.signal', signal }), priceTable };
  if (loadCtx) await withLoaderPreflight(loadFrom, loadCtx);
  const loadEngine = await engineFor(loadFrom, loadCtx);
  await runCycle(
    {
      meta,
      spec,
      timeScale,
      shapes,
      maxConcurrency,
      sweepTiming,
      tokens,
      cleanup: runCleanupOptions({ keepCache: spec.cache.keep, keepSecrets: Boolean(f['keep-secrets']) }),
      priceTable,
      budgetUsd,
      maxDurationMs,
      dailyBudget,
      healthTimeoutMs: sim ? 60_000 : 15 * 60_000,
      skipSweep: Boolean(f['no-sweep']),
      loadEngine,
      pattern,
      confirmDeploy: sim || f.yes ? undefined : session.output.confirmDeploy,
    },
    { cluster: cluster!, bus: session.bus, load },
    session.abort.signal,
  );
  return await finishSession(session, priceTable);
}
