// `nimble sim`: run the simulated NIM in this process until SIGINT/SIGTERM.
// The first stdout line is always `nimble sim listening on http://HOST:PORT (gpu ID…)`; tests and
// benchmarks parse it. Flags go through the one parser (src/cli/args.ts).
import { parse, intFlag, UsageError } from '../cli/args.ts';
import { parseDuration } from '../core/guard.ts';
import { parseFaults, type FaultSpec } from '../sim/nim/faults.ts';
import { PROFILES, DEFAULT_PROFILE_ID, getProfile } from '../sim/nim/profiles.ts';
import { startSimNim, type SimNimOptions } from '../sim/nim/server.ts';
import { DIALECTS, isDialect } from '../sim/nim/dialects.ts';

export const SIM_USAGE = `Usage: nimble sim [options]

Run a simulated NVIDIA NIM (OpenAI-compatible HTTP API, Prometheus metrics) for testing nimble
without a cluster or a GPU. Stops cleanly on Ctrl-C / SIGTERM.

Options:
  --port N               port to listen on (default 8000; 0 = any free port)
  --host H               address to bind (default 127.0.0.1). 0.0.0.0 exposes the simulator to
                         your network (a warning is printed); any other non-loopback address also
                         needs --allow-remote
  --gpu ID               GPU/model calibration (default ${DEFAULT_PROFILE_ID}); one of:
                         ${Object.keys(PROFILES).join(', ')}
                         (--profile ID still works but is deprecated: in nimble run it picks a tier)
  --model ID             model id to serve (default the calibration's)
  --startup-delay D      answer 503 on /v1/health/ready for D (e.g. 5s, 500ms, 2m; bare number = seconds)
  --max-num-seqs N       running-batch slots (override the calibration)
  --kv-tokens N          KV-cache capacity in tokens (override the calibration)
  --max-queue N          answer 429 when N requests already wait (default: unlimited queue)
  --seed N               seed of the simulated output lengths (default 1)
  --deterministic        fixed timing: every request gets TTFT --ttft-ms and one token per --itl-ms,
  --ttft-ms N              unlimited slots (defaults 50 and 10)
  --itl-ms N
  --overload N:P:R       overload recovery: while more than N requests are in the server, and for
                         R ms after they fall back to N, each new request's first token comes P ms
                         late (a server with a known recovery time after a spike)
  --leak M[:K]           slow leak: first tokens come M ms later per minute of uptime, and each
                         finished request leaves K KV-cache tokens reserved for good (soak tests)
  --fault SPEC           inject faults, repeatable or comma-separated: KIND:RATE[:after=N][:retry-after=S]
                         KIND 429|500|reset|stall|malformed, RATE a fraction (0.05) or 1/K (every K-th)
                         e.g. --fault 429:0.05,reset:1/50:after=5
  --dialect D            speak another engine's health path and metric names: ${DIALECTS.join(', ')}
                         (default nim; none = no health endpoint and no metrics)
  --help                 show this help

With the realistic engine (no --deterministic) --overload holds each penalised request P ms before
the batch sees it (it shows as waiting) and --leak's KV tokens fill the cache until requests queue.
`;

const options = {
  port: { type: 'string' },
  host: { type: 'string' },
  'allow-remote': { type: 'boolean' },
  gpu: { type: 'string' },
  profile: { type: 'string' },
  model: { type: 'string' },
  'startup-delay': { type: 'string' },
  'max-num-seqs': { type: 'string' },
  'kv-tokens': { type: 'string' },
  'max-queue': { type: 'string' },
  seed: { type: 'string' },
  deterministic: { type: 'boolean' },
  'ttft-ms': { type: 'string' },
  'itl-ms': { type: 'string' },
  overload: { type: 'string' },
  leak: { type: 'string' },
  fault: { type: 'string', multiple: true },
  dialect: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface SimCliConfig {
  opts: SimNimOptions;
  host: string;
  /** Lines for stderr (deprecated flags). */
  warnings: string[];
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

const usage = (msg: string) => new UsageError(msg, SIM_USAGE);

function startupDelay(v: string): number {
  const ms = /^\d+(\.\d+)?$/.test(v.trim()) ? Number(v) * 1000 : parseDuration(v);
  if (ms === null) throw usage(`--startup-delay: '${v}' is not a duration; write e.g. 5s, 500ms or 2m`);
  return ms;
}

function ms(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(v)) throw usage(`--${flag}: '${v}' must be a number of milliseconds`);
  return Number(v);
}

/** 'a:b:c' → numbers ≥ 0, between min and max of them. */
export function colonNumbers(flag: string, v: string, max: number, min: number, u: string): number[] {
  const parts = v.split(':').map((x) => (x.trim() === '' ? NaN : Number(x)));
  if (parts.length < min || parts.length > max || parts.some((x) => !Number.isFinite(x) || x < 0)) {
    throw new UsageError(`--${flag} '${v}': expected ${min === max ? max : `${min} or ${max}`} numbers ≥ 0 separated by ':'`, u);
  }
  return parts;
}

/** --overload N:P:R and --leak M[:K], as the simulator's options (shared by nimble load --sim). */
export function overloadAndLeak(overload: string | undefined, leak: string | undefined, flags: { overload: string; leak: string }, u: string): Pick<SimNimOptions, 'overload' | 'leak'> {
  const o: Pick<SimNimOptions, 'overload' | 'leak'> = {};
  if (overload !== undefined) {
    const [aboveRunning, penaltyMs, recoveryMs] = colonNumbers(flags.overload, overload, 3, 3, u);
    if (!Number.isInteger(aboveRunning)) throw new UsageError(`--${flags.overload} '${overload}': N (requests) must be a whole number`, u);
    o.overload = { aboveRunning, penaltyMs, recoveryMs };
  }
  if (leak !== undefined) {
    const [ttftMsPerMin, kvTokensPerRequest] = colonNumbers(flags.leak, leak, 2, 1, u);
    o.leak = { ttftMsPerMin, kvTokensPerRequest: kvTokensPerRequest ?? 0 };
  }
  return o;
}

/** Flags → options. Throws UsageError saying what to fix. Returns null for --help. */
export function parseSimArgs(argv: string[]): SimCliConfig | null {
  const { values: f } = parse(argv, options, SIM_USAGE);
  if (f.help) return null;
  const warnings: string[] = [];
  const opts: SimNimOptions = { port: 8000 };
  if (f.port !== undefined) {
    opts.port = intFlag('port', f.port, SIM_USAGE, 0)!;
    if (opts.port > 65535) throw usage(`--port: ${opts.port} is not a port (0–65535)`);
  }
  if (f.profile !== undefined) {
    if (f.gpu !== undefined) throw usage('give --gpu only (--profile is its deprecated name)');
    warnings.push('nimble sim: --profile is deprecated, use --gpu (in nimble run --profile picks a tier)');
  }
  const gpu = f.gpu ?? f.profile;
  if (gpu !== undefined) {
    if (!(gpu in PROFILES)) throw usage(`--${f.gpu !== undefined ? 'gpu' : 'profile'}: '${gpu}' is not one of ${Object.keys(PROFILES).join(', ')}`);
    opts.profile = gpu;
  }
  if (f.model !== undefined) opts.model = f.model;
  if (f['startup-delay'] !== undefined) opts.startupDelayMs = startupDelay(f['startup-delay']);
  opts.maxNumSeqs = intFlag('max-num-seqs', f['max-num-seqs'], SIM_USAGE);
  opts.kvCacheTokens = intFlag('kv-tokens', f['kv-tokens'], SIM_USAGE);
  opts.maxQueue = intFlag('max-queue', f['max-queue'], SIM_USAGE, 0);
  opts.seed = intFlag('seed', f.seed, SIM_USAGE, 0);
  for (const k of ['maxNumSeqs', 'kvCacheTokens', 'maxQueue', 'seed'] as const) if (opts[k] === undefined) delete opts[k];
  const ttftMs = ms('ttft-ms', f['ttft-ms']);
  const itlMs = ms('itl-ms', f['itl-ms']);
  if (!f.deterministic && (ttftMs !== undefined || itlMs !== undefined)) throw usage('--ttft-ms and --itl-ms only apply with --deterministic');
  if (f.deterministic) opts.deterministic = { ttftMs: ttftMs ?? 50, itlMs: itlMs ?? 10 };
  Object.assign(opts, overloadAndLeak(f.overload, f.leak, { overload: 'overload', leak: 'leak' }, SIM_USAGE));
  if (f.dialect !== undefined) {
    if (!isDialect(f.dialect)) throw usage(`--dialect: '${f.dialect}' is not one of ${DIALECTS.join(', ')}`);
    opts.dialect = f.dialect;
  }
  const faults: FaultSpec[] = [];
  for (const spec of f.fault ?? []) {
    try {
      faults.push(...parseFaults(spec));
    } catch (e) {
      throw usage((e as Error).message);
    }
  }
  if (faults.length) opts.faults = faults;
  const host = f.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host) && host !== '0.0.0.0' && !f['allow-remote']) {
    throw usage(`--host ${host} is not a loopback address; the simulator is meant for this machine. Add --allow-remote if you really want it reachable there`);
  }
  opts.host = host;
  return { opts, host, warnings };
}

export interface SimIo {
  stdout?: (line: string) => void;
  stderr?: (line: string) => void;
  /** Stops the server like a signal would (tests). */
  signal?: AbortSignal;
}

/** Throws UsageError on bad flags (the dispatcher prints it with the usage and exits 2). */
export async function simCommand(argv: string[], io: SimIo = {}): Promise<number> {
  const out = io.stdout ?? ((l: string) => process.stdout.write(l + '\n'));
  const err = io.stderr ?? ((l: string) => process.stderr.write(l + '\n'));
  const cfg = parseSimArgs(argv);
  if (!cfg) {
    out(SIM_USAGE);
    return 0;
  }
  const { opts, host } = cfg;
  for (const w of cfg.warnings) err(w);
  if (host === '0.0.0.0') err('nimble sim: warning: listening on all interfaces (0.0.0.0): anyone on your network can reach the simulator');
  let handle;
  try {
    handle = await startSimNim(opts);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const hint = code === 'EADDRINUSE' ? ` — port ${opts.port} is taken; pick another with --port (0 = any free port)` : '';
    err(`nimble sim: could not start: ${(e as Error).message}${hint}`);
    return 1;
  }
  const profile = getProfile(typeof opts.profile === 'string' ? opts.profile : undefined);
  const det = opts.deterministic ? `, deterministic: ttft ${opts.deterministic.ttftMs} ms, itl ${opts.deterministic.itlMs} ms` : '';
  const ov = opts.overload ? `, overload above ${opts.overload.aboveRunning}: +${opts.overload.penaltyMs} ms, recovers ${opts.overload.recoveryMs} ms after` : '';
  const lk = opts.leak ? `, leak +${opts.leak.ttftMsPerMin} ms/min${opts.leak.kvTokensPerRequest ? `, ${opts.leak.kvTokensPerRequest} KV tokens/request` : ''}` : '';
  out(`nimble sim listening on ${handle.url} (gpu ${profile.id}${det}${ov}${lk}${opts.dialect && opts.dialect !== 'nim' ? `, dialect ${opts.dialect}` : ''})`);
  out(
    `  model ${opts.model ?? profile.model} · max-num-seqs ${opts.maxNumSeqs ?? profile.maxNumSeqs} · KV ${opts.kvCacheTokens ?? profile.kvCacheTokens} tokens` +
      (opts.startupDelayMs ? ` · ready in ${opts.startupDelayMs / 1000}s` : '') +
      (opts.faults?.length ? ` · faults ${opts.faults.map((x) => `${x.kind}:${x.every ? '1/' + x.every : x.rate}`).join(',')}` : '') +
      ' · Ctrl-C to stop',
  );

  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      io.signal?.removeEventListener('abort', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    if (io.signal?.aborted) stop();
    else io.signal?.addEventListener('abort', stop, { once: true });
  });
  await handle.close();
  err('nimble sim: stopped');
  return 0;
}
