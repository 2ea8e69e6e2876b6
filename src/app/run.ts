// `nimble run` (the whole cycle, on the simulator or a cluster) and `nimble sweep` (smoke test +
// sweep against any OpenAI-compatible URL). Wires clock, bus, cluster, session writer and output.

import { readFileSync } from 'node:fs';
import { createSessionClock } from '../core/clock.ts';
import type { CleanupOptions, Cluster, ClusterSignal, DeploySpec } from '../core/cluster.ts';
import type { SessionMeta } from '../core/events.ts';
import type { ShapeId } from '../core/sweep-types.ts';
import { parseTier, type TierId } from '../core/tiers.ts';
import type { PriceTable } from '../core/cost.ts';
import { loadConfig } from './config.ts';
import { spentOnDay } from '../core/guard.ts';
import { summarizeSession } from '../core/session-summary.ts';
import { MAX_CONCURRENCY } from '../core/sweep.ts';
import { sweepAnswer } from '../core/result-text.ts';
import type { SessionState } from '../core/session-state.ts';
import { createSimCluster } from '../sim/cluster.ts';
import { autoTimeScale, PROFILE_LEVERS } from '../sim/profiles.ts';
import { listSessions, openSessionWriter, resolveSessionsDir, newSessionId, type SessionWriter } from '../sessions/store.ts';
import { durationFlag, intFlag, numFlag, parse, UsageError } from '../cli/args.ts';
import { createEventBus, type EventBus } from './event-bus.ts';
import { PATTERN_FLAGS, runPatternFromFlags } from './pattern-flags.ts';
import { runCycle, type LoadService } from './cycle.ts';
import { loadTheme } from '../ui/theme.ts';
import { attachOutput, chooseOutputMode, type Output } from './output.ts';
import { engineFor, inClusterUrl, LOAD_FROM_FLAGS, LOAD_FROM_USAGE, loadFromLine, parseLoadFrom, withLoaderPreflight } from './load-from.ts';
import { installLifeline, STOP_EXIT, type Lifeline } from './lifeline.ts';

export const NIMBLE_VERSION: string = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;

const SHAPES: ShapeId[] = ['support', 'summary', 'coding'];

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

/**
 * Flags `nimble run` and `nimble sweep` both take, with the same meaning (each command still writes
 * its own usage text: the defaults differ, e.g. sweep timing quick on the simulator).
 */
export const SWEEP_FLAGS = {
  model: { type: 'string' },
  shape: { type: 'string' },
  'max-concurrency': { type: 'string' },
  'prompt-tokens': { type: 'string' },
  'output-tokens': { type: 'string' },
  'gpu-shape': { type: 'string' },
  gpus: { type: 'string' },
  'sweep-timing': { type: 'string' },
  tier: { type: 'string' },
  'sessions-dir': { type: 'string' },
  json: { type: 'boolean' },
  plain: { type: 'boolean' },
  theme: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  ...LOAD_FROM_FLAGS,
} as const;

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
  // nimble run --pattern spike …: the load pattern after the sweep (src/app/load-command.ts).
  ...PATTERN_FLAGS,
  budget: { type: 'string' },
  'max-duration': { type: 'string' },
  ...SWEEP_FLAGS,
} as const;

export function parseShapes(value: string | undefined, usage: string): ShapeId[] {
  if (!value) return ['support'];
  const list = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of list) if (!SHAPES.includes(s as ShapeId)) throw new UsageError(`unknown shape '${s}': use ${SHAPES.join(', ')}`, usage);
  return list as ShapeId[];
}

function tierFlag(name: string, value: string | undefined, fallback: TierId, usage: string): TierId {
  if (value === undefined) return fallback;
  const t = parseTier(value);
  if (!t) throw new UsageError(`--${name} must be slow, typical, fast or ultra, got '${value}'`, usage);
  return t;
}

export async function loadPriceTable(): Promise<{ table: PriceTable; dailyBudgetUsd?: number; sessionsDir?: string }> {
  const c = loadConfig(process.env);
  return { table: c.priceTable, dailyBudgetUsd: c.dailyBudgetUsd, sessionsDir: c.sessionsDir };
}

export async function loadLoadService(): Promise<LoadService> {
  const { runPattern } = await import('../load/pattern-runner.ts');
  return { ...(await import('../load/sweep-runner.ts')), runPattern };
}

interface Session {
  bus: EventBus;
  writer: SessionWriter;
  output: Output;
  abort: AbortController;
  lifeline: Lifeline;
  dispose(): void;
}

/** Sets up bus, session writer, output and Ctrl-C handling shared by `run` and `sweep`. */
export async function openSession(
  meta: SessionMeta,
  flags: { json?: boolean; plain?: boolean; theme?: string; sessionsDir?: string; configSessionsDir?: string },
  priceTable: PriceTable,
  secrets: string[],
): Promise<Session> {
  // A wrong --theme fails before anything is created, in every output mode (plain ignores it).
  if (flags.theme) loadTheme(flags.theme, {});
  const clock = createSessionClock();
  const bus = createEventBus(clock);
  const dir = resolveSessionsDir({ flag: flags.sessionsDir, configDir: flags.configSessionsDir });
  const abort = new AbortController();
  let output: Output | undefined;
  let writer: SessionWriter | undefined;
  // Ctrl-C, SIGTERM, SIGHUP and a lost stdout stop the work and let cleanup run; a second Ctrl-C
  // leaves at once, saying what may still be running.
  const lifeline = installLifeline({
    onStop: (s) => abort.abort(s.reason),
    onLeave: (cause) => {
      const running = Object.values(bus.state.resources).filter((r) => r.stoppedAt === undefined);
      output?.close();
      writer?.close();
      if (running.length) {
        lifeline.say(
          `nimble: left before cleanup finished. Still running and costing money: ${running.map((r) => r.resource.label).join(', ')}.\n` +
            `Run \`nimble status\` to see them and \`nimble cleanup\` to remove them.`,
        );
      }
      process.exit(STOP_EXIT[cause]);
    },
  });
  try {
    writer = openSessionWriter(dir, meta, {
      secrets,
      onError: (err) => lifeline.say(`nimble: could not write the session log (${err.message}); the run and its cleanup go on`),
    });
  } catch (err) {
    lifeline.dispose();
    throw new Error(`cannot save a session in ${dir} (${(err as Error).message}); nothing was started`);
  }
  const w = writer;
  bus.subscribe((e) => w.append(e));
  const mode = chooseOutputMode(flags);
  try {
    output = await attachOutput({
      mode,
      bus,
      priceTable,
      theme: flags.theme,
      onQuit: () => abort.abort('stopped by the user'),
      write: lifeline.out,
      unattended: () => lifeline.stopped !== null && lifeline.stopped.cause !== 'SIGINT',
    });
  } catch (err) {
    w.discardIfEmpty(); // nothing ran: leave no empty session behind
    lifeline.dispose();
    throw err;
  }
  return { bus, writer: w, output, abort, lifeline, dispose: () => lifeline.dispose() };
}

/**
 * Saves the summary, prints the end, and returns the exit code: the status's, the stopping
 * signal's (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP, 141 lost stdout), or 1 when a completed run
 * could not be saved. What was not saved is the last line on stderr.
 */
export async function finishSession(s: Session, priceTable: PriceTable): Promise<number> {
  if (s.bus.state.meta) s.writer.finish(summarizeSession(s.bus.state, priceTable));
  else s.writer.close();
  const unsaved = s.writer.unsaved();
  await s.output.finish(unsaved.length ? undefined : s.writer.path);
  const status = s.bus.state.status;
  const stopped = s.lifeline.stopped;
  if (s.lifeline.stdoutLost) {
    // The summary went nowhere: the end goes to stderr (and the session file has it all).
    s.lifeline.say(`nimble: session ${s.writer.id} ${status}${s.bus.state.endReason ? `: ${s.bus.state.endReason}` : ''}; cleanup ${cleanupWord(s.bus)}${unsaved.length ? '' : `; saved to ${s.writer.path}`}`);
  }
  if (unsaved.length) s.lifeline.say(`nimble: NOT SAVED: ${unsaved.join('; ')}`);
  s.dispose();
  if (status === 'aborted' && stopped) return STOP_EXIT[stopped.cause];
  const code = exitCode(status, s.bus.state.sweep.breakingPoints);
  return code === 0 && unsaved.length ? 1 : code;
}

function cleanupWord(bus: EventBus): string {
  const st = bus.state.stages.cleanup;
  return st === undefined ? 'not needed' : st.ok ? 'finished' : 'did not finish (run `nimble status`)';
}

/** A wrong --theme is a usage error (exit 2), found before anything is created. */
export function themeFlag(value: string | undefined, usage: string): string | undefined {
  if (value === undefined) return undefined;
  try {
    loadTheme(value, {});
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err), usage);
  }
  return value;
}

/** --max-concurrency: 1 … MAX_CONCURRENCY (default 256); above it a usage error, exit 2. */
export function concurrencyFlag(value: string | undefined, usage: string): number {
  const n = intFlag('max-concurrency', value, usage) ?? 256;
  if (n > MAX_CONCURRENCY) throw new UsageError(`--max-concurrency must be at most ${MAX_CONCURRENCY} (got '${value}'): one nimble process cannot drive more users faithfully`, usage);
  return n;
}

export function tokenOverrides(prompt: string | undefined, output: string | undefined, usage: string) {
  const promptTokens = intFlag('prompt-tokens', prompt, usage);
  const outputTokens = intFlag('output-tokens', output, usage);
  return promptTokens || outputTokens ? { promptTokens, outputTokens } : undefined;
}

/**
 * What `nimble run` cleans up: the NGC key never outlives the run unless asked; the namespace goes
 * too when nimble made it and nothing kept lives there (src/kube/cleanup.ts planCredentialCleanup).
 */
export function runCleanupOptions(o: { keepCache: boolean; keepSecrets: boolean }): CleanupOptions {
  return { keepCache: o.keepCache, removeSecrets: !o.keepSecrets, removeNamespace: true };
}

/**
 * 0 completed, 1 failed (a sweep with no answer included), 130 aborted — and 3 for a completed
 * session whose breaking point is only a lower bound because this client was the limit (as
 * `nimble validate` says for it).
 */
export function exitCode(status: string, breakingPoints?: SessionState['sweep']['breakingPoints']): number {
  if (status === 'completed' && breakingPoints && sweepAnswer(breakingPoints).status === 'limited') return 3;
  return status === 'completed' ? 0 : status === 'aborted' ? 130 : 1;
}

export async function runCommand(argv: string[]): Promise<number> {
  const { values: f } = parse(argv, runOptions, RUN_USAGE);
  if (f.help) {
    process.stdout.write(RUN_USAGE);
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
    const { prepareClusterRun } = await import('./cluster-run.ts');
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
      process.stderr.write(prepared.message + '\n');
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
