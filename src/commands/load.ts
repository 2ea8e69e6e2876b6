// `nimble load --pattern step|spike|stress|soak`: load that changes over time against the built-in
// simulator (--sim), any OpenAI-compatible URL or a deployed NIM (--target), saved as a session
// with its windows, derived figures and SLA report.
import { processIo, type CommandIo } from './io.ts';
import { warningCollector } from '../app/json-warnings.ts';
import { OUTPUT_FLAGS, REQUEST_FLAGS } from './flags.ts';
import { createSessionClock } from '../core/clock.ts';
import type { NimbleEvent, SessionMeta, SessionStatus } from '../core/events.ts';
import { PATTERN_KEYS } from '../core/patterns.ts';
import { patternFromFlags } from './pattern-flags.ts';
import { figuresLines, slaLines, windowLine, WINDOW_DEFINITION } from '../core/pattern-format.ts';
import { slaReport, slaTargetsFor } from '../core/sla-report.ts';
import { summarizeSession } from '../core/session-summary.ts';
import type { PatternResult } from '../core/pattern-result.ts';
import { parseFaults } from '../sim/nim/faults.ts';
import type { SimNimHandle, SimNimOptions } from '../sim/nim/server.ts';
import { newSessionId, openSessionWriter, resolveSessionsDir } from '../sessions/store.ts';
import { intFlag, parse, UsageError } from '../cli/args.ts';
import { createEventBus } from '../app/event-bus.ts';
import { errorText } from '../app/sweep-stage.ts';
import { loadConfig } from '../app/config.ts';
import { NIMBLE_VERSION } from '../util/version.ts';
import { attachOutput, chooseOutputMode, type Output } from '../app/output.ts';
import { normalizeTarget } from './sweep.ts';

export const LOAD_USAGE = `Usage: nimble load --pattern step|spike|stress|soak (--sim | --target URL) [options]

Load over time, not over concurrency: a staircase, a spike and the recovery after it, a stress
past the breaking point, or a soak that watches for drift. Saved as a session (nimble report <id>).

Where:
  --sim                      the built-in simulated NIM (in this process's worker thread)
  --target <url>             any OpenAI-compatible server or a deployed NIM (with or without /v1)
  --model <id>               model to send (default: the first id of /v1/models)
  --api-key-env <VAR>        environment variable holding the API key
Pattern (or --pattern-file f.json with the same keys; flags override the file):
  --pattern <kind>           step | spike | stress | soak
  --shape <id>               support | summary | coding (default support)
  --window <dur>             window percentiles are taken over (default 5s)
  spike:  --base 8 --peak 64 --hold 60s --spike 30s [--after <dur>, default = hold]
  step:   --start 4 --step 4 --steps 5 --hold 30s
  stress: --start 8 --step 8 --max 512 --hold 30s [--stop-on-break false]
  soak:   --users 64 --duration 1h
  --open-loop                spike/soak: base/peak/rate are requests per second (Poisson arrivals)
  --rate <r>                 soak with --open-loop: requests per second
  --recovery-tolerance 0.2   spike: p95 back within +20 % of baseline…  --recovery-windows 3  …for 3 windows
  --ramp <dur>               closed loop: users a phase adds join over this time (default: soak one window)
  --prompt-tokens <n>        override the shape's prompt length   --output-tokens <n>  and output length
Simulator (with --sim):
  --nim-profile <id>         a10-llama-3.1-8b (default) | a10-llama-3.1-8b-int4 | h100-llama-3.1-8b
  --max-num-seqs <n>         running-batch slots            --max-queue <n>  429 beyond this many waiting
  --deterministic <t:i>      fixed timing: first token after t ms, one more every i ms
  --sim-overload <n:p:r>     overload recovery: above n requests in the server, and for r ms after,
                             first tokens come p ms late (spike: a known recovery time)
  --sim-leak <ms[:kv]>       slow leak: TTFT +ms per minute; kv KV-cache tokens kept per request (soak)
  --fault <spec>             e.g. 429:0.05 (see nimble sim --help)
Output:
  --sessions-dir <dir>       where the session is saved
  --json | --plain           one JSON document at the end | a line per window (the default off a terminal;
                             on a terminal: the live view over time, q to stop)
  --theme <name>             dark | light | high-contrast
`;

const options = {
  sim: { type: 'boolean' },
  target: { type: 'string' },
  'api-key-env': { type: 'string' },
  'pattern-file': { type: 'string' },
  ...REQUEST_FLAGS,
  'nim-profile': { type: 'string' },
  'max-num-seqs': { type: 'string' },
  'max-queue': { type: 'string' },
  deterministic: { type: 'string' },
  'sim-overload': { type: 'string' },
  'sim-leak': { type: 'string' },
  fault: { type: 'string' },
  ...OUTPUT_FLAGS,
  ...Object.fromEntries(PATTERN_KEYS.map((k) => [k, { type: k === 'open-loop' ? 'boolean' : 'string' }])),
} as const;

function nums(flag: string, v: string, n: number, min: number): number[] {
  const parts = v.split(':').map(Number);
  if (parts.length < min || parts.length > n || parts.some((x) => !Number.isFinite(x) || x < 0)) throw new UsageError(`--${flag} '${v}': expected ${n} numbers ≥ 0 separated by ':'`, LOAD_USAGE);
  return parts;
}

export function simOptions(f: Record<string, string | boolean | undefined>): SimNimOptions {
  const o: SimNimOptions = { port: 0 };
  if (f['nim-profile']) o.profile = String(f['nim-profile']);
  o.maxNumSeqs = intFlag('max-num-seqs', f['max-num-seqs'] as string | undefined, LOAD_USAGE);
  o.maxQueue = intFlag('max-queue', f['max-queue'] as string | undefined, LOAD_USAGE, 0);
  if (f.fault) o.faults = parseFaults(String(f.fault));
  if (f.deterministic) {
    const [ttftMs, itlMs] = nums('deterministic', String(f.deterministic), 2, 2);
    o.deterministic = { ttftMs, itlMs };
  }
  // Either engine (the batching one through src/sim/nim/extras.ts).
  if (f['sim-overload']) {
    const [aboveRunning, penaltyMs, recoveryMs] = nums('sim-overload', String(f['sim-overload']), 3, 3);
    o.overload = { aboveRunning, penaltyMs, recoveryMs };
  }
  if (f['sim-leak']) {
    const [ttftMsPerMin, kvTokensPerRequest] = nums('sim-leak', String(f['sim-leak']), 2, 1);
    o.leak = { ttftMsPerMin, kvTokensPerRequest };
  }
  return o;
}

export async function loadCommand(argv: string[], io: CommandIo = processIo()): Promise<number> {
  const { values: f } = parse(argv, options, LOAD_USAGE);
  if (f.help) {
    io.stdout.write(LOAD_USAGE);
    return 0;
  }
  const flags = f as Record<string, string | boolean | undefined>;
  if (!f.sim === !f.target) throw new UsageError('give exactly one of --sim or --target URL', LOAD_USAGE);
  const simOnly = ['nim-profile', 'max-num-seqs', 'max-queue', 'deterministic', 'sim-overload', 'sim-leak', 'fault'].find((k) => flags[k] !== undefined);
  if (!f.sim && simOnly) throw new UsageError(`--${simOnly} shapes the built-in simulator: it needs --sim`, LOAD_USAGE);
  const spec = patternFromFlags(flags, LOAD_USAGE);
  const prompt = intFlag('prompt-tokens', f['prompt-tokens'] as string | undefined, LOAD_USAGE);
  const outputTokens = intFlag('output-tokens', f['output-tokens'] as string | undefined, LOAD_USAGE);
  const keyVar = f['api-key-env'] as string | undefined;
  const apiKey = keyVar ? io.env[keyVar] : undefined;
  if (keyVar && !apiKey) throw new UsageError(`environment variable ${keyVar} is empty or not set`, LOAD_USAGE);
  const simOpts = f.sim ? simOptions(flags) : null;
  const config = loadConfig(io.env);

  let sim: SimNimHandle | null = null;
  if (simOpts) {
    const { startSimNimInWorker } = await import('../sim/nim/worker-host.ts');
    sim = await startSimNimInWorker(simOpts);
  }
  const baseUrl = sim ? sim.url : normalizeTarget(String(f.target));
  const mode = chooseOutputMode({ json: !!f.json, plain: !!f.plain });
  const json = mode === 'json';
  const print = (line: string) => {
    if (mode === 'plain') io.stdout.write(line + '\n');
  };
  try {
    let model = f.model as string | undefined;
    if (!model) {
      const { resolveModel } = await import('../load/smoke.ts');
      try {
        model = await resolveModel(baseUrl, apiKey);
      } catch (err) {
        io.stderr.write(`nimble load: ${errorText(err)}\n`);
        return 1;
      }
    }
    const meta: SessionMeta = {
      id: newSessionId(new Date(), sim ? 'sim' : 'endpoint'),
      nimbleVersion: NIMBLE_VERSION,
      mode: sim ? 'sim' : 'endpoint',
      startedAt: new Date().toISOString(),
      target: sim ? undefined : baseUrl,
      model: model!,
      gpuShape: 'VM.GPU.A10.1',
      gpuCount: 1,
      priceTable: config.priceTable.name,
      targetTier: 'fast',
      flags: { command: 'load', ...Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) } as Record<string, string | boolean>,
      shapes: [spec.shape],
    };
    const clock = createSessionClock();
    const bus = createEventBus(clock);
    const dir = resolveSessionsDir({ flag: f['sessions-dir'] as string | undefined, configDir: config.sessionsDir });
    const writer = openSessionWriter(dir, meta, { secrets: apiKey ? [apiKey] : [], onError: (err) => io.stderr.write(`nimble: could not write the session log (${err.message}); the run goes on\n`) });
    bus.subscribe((e) => writer.append(e));
    const warnings = warningCollector();
    bus.subscribe((e: NimbleEvent) => {
      warnings.add(e);
      if (e.type === 'pattern.window') print(windowLine(e.window, spec.mode));
      else if (e.type === 'log' && e.level !== 'info') io.stderr.write(`nimble: ${e.line}\n`);
    });
    const abort = new AbortController();
    const output: Output | null = mode === 'tui' ? await attachOutput({ mode, bus, priceTable: config.priceTable, theme: f.theme as string | undefined, onQuit: () => abort.abort() }) : null;
    const onSig = () => {
      io.stderr.write('\nnimble: stopping the pattern (the part that ran is kept)\n');
      abort.abort();
    };
    process.once('SIGINT', onSig);
    process.once('SIGTERM', onSig);
    print(`nimble ${NIMBLE_VERSION} · ${sim ? 'SIMULATED' : 'ENDPOINT'} · ${model} · session ${meta.id}`);
    print(`windows: ${WINDOW_DEFINITION}`);
    bus.emit({ type: 'session.started', meta });
    bus.emit({ type: 'stage.started', stage: 'sweep' });
    let status: SessionStatus = 'completed';
    let reason: string | undefined;
    let result: PatternResult | null = null;
    try {
      const { runPattern } = await import('../load/pattern-runner.ts');
      result = await runPattern({ baseUrl, model: model!, spec, apiKey, shapeOverride: { promptTokens: prompt, outputTokens } }, (b) => bus.emit(b), abort.signal);
      if (result.aborted) {
        status = 'aborted';
        reason = 'stopped by the user';
      }
    } catch (err) {
      status = 'failed';
      reason = errorText(err);
      bus.emit({ type: 'error', where: 'sweep', message: reason });
    } finally {
      process.off('SIGINT', onSig);
      process.off('SIGTERM', onSig);
    }
    bus.emit({ type: 'stage.ended', stage: 'sweep', ok: status === 'completed' });
    bus.emit({ type: 'session.ended', status, reason });
    writer.finish(summarizeSession(bus.state, config.priceTable));
    await output?.finish(writer.path);
    const sla = result ? slaReport(result, slaTargetsFor(spec.shape, config.sla)) : null;
    if (json) {
      io.stdout.write(JSON.stringify({ session: meta.id, path: writer.path, status, reason, result, sla, warnings: warnings.list() }, null, 2) + '\n');
      if (status !== 'completed') io.stderr.write(`nimble: session ${meta.id} ${status}: ${reason ?? 'no reason given'}\n`);
    }
    else if (mode === 'tui') {
      if (sla) io.stdout.write(slaLines(sla).join('\n') + '\n');
      io.stdout.write(`saved: ${writer.path}\n`);
    } else {
      if (result) for (const l of [...figuresLines(result), ...slaLines(sla!)]) print(l);
      if (reason) print(`${status}: ${reason}`);
      print(`saved: ${writer.path}  (nimble report ${meta.id} --format md|html · nimble validate ${meta.id} --sla)`);
    }
    return status === 'completed' ? 0 : status === 'aborted' ? 130 : 1;
  } finally {
    await sim?.close();
  }
}
