// `nimble sim`: run the simulated NIM in this process until SIGINT/SIGTERM.
// The first stdout line is always `nimble sim listening on http://HOST:PORT (profile ID…)`;
// tests and benchmarks parse it.
import { parseFaults, type FaultSpec } from './faults.ts';
import { PROFILES, DEFAULT_PROFILE_ID, getProfile } from './profiles.ts';
import { startSimNim, type SimNimOptions } from './server.ts';
import { DIALECTS, isDialect } from './dialects.ts';

export const SIM_USAGE = `Usage: nimble sim [options]

Run a simulated NVIDIA NIM (OpenAI-compatible HTTP API, Prometheus metrics) for testing nimble
without a cluster or a GPU. Stops cleanly on Ctrl-C / SIGTERM.

Options:
  --port N               port to listen on (default 8000; 0 = any free port)
  --host H               address to bind (default 127.0.0.1). 0.0.0.0 exposes the simulator to
                         your network (a warning is printed); any other non-loopback address also
                         needs --allow-remote
  --profile ID           performance profile (default ${DEFAULT_PROFILE_ID}); one of:
                         ${Object.keys(PROFILES).join(', ')}
  --model ID             model id to serve (default the profile's)
  --startup-delay D      answer 503 on /v1/health/ready for D (e.g. 5s, 500ms, 2m; bare number = seconds)
  --max-num-seqs N       running-batch slots (override the profile)
  --kv-tokens N          KV-cache capacity in tokens (override the profile)
  --max-queue N          answer 429 when N requests already wait (default: unlimited queue)
  --seed N               seed of the simulated output lengths (default 1)
  --deterministic        fixed timing: every request gets TTFT --ttft-ms and one token per --itl-ms,
  --ttft-ms N              unlimited slots (defaults 50 and 10)
  --itl-ms N
  --fault SPEC           inject faults, repeatable or comma-separated: KIND:RATE[:after=N][:retry-after=S]
                         KIND 429|500|reset|stall|malformed, RATE a fraction (0.05) or 1/K (every K-th)
                         e.g. --fault 429:0.05,reset:1/50:after=5
  --dialect D            speak another engine's health path and metric names: ${DIALECTS.join(', ')}
                         (default nim; none = no health endpoint and no metrics)
  --help                 show this help
`;

export class UsageError extends Error {}

export interface SimCliConfig {
  opts: SimNimOptions;
  host: string;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

function parseDuration(flag: string, v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(v.trim());
  if (!m) throw new UsageError(`${flag}: '${v}' is not a duration; write e.g. 5s, 500ms or 2m`);
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000;
}

function parseInt0(flag: string, v: string, min: number): number {
  if (!/^\d+$/.test(v) || Number(v) < min) throw new UsageError(`${flag}: '${v}' must be a whole number ≥ ${min}`);
  return Number(v);
}

function parseMs(flag: string, v: string): number {
  if (!/^\d+(\.\d+)?$/.test(v)) throw new UsageError(`${flag}: '${v}' must be a number of milliseconds`);
  return Number(v);
}

/** Flags → options. Throws UsageError with a message saying what to fix. Returns null for --help. */
export function parseSimArgs(argv: readonly string[]): SimCliConfig | null {
  const opts: SimNimOptions = { port: 8000 };
  let host = '127.0.0.1';
  let allowRemote = false;
  let deterministic = false;
  let ttftMs: number | undefined;
  let itlMs: number | undefined;
  const faults: FaultSpec[] = [];
  const args = argv.flatMap((a) => (a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a]));
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const value = (): string => {
      const v = args[++i];
      if (v === undefined || (v.startsWith('--') && v.length > 2)) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--help':
      case '-h':
        return null;
      case '--port':
        opts.port = parseInt0(flag, value(), 0);
        if (opts.port > 65535) throw new UsageError(`--port: ${opts.port} is not a port (0–65535)`);
        break;
      case '--host':
        host = value();
        break;
      case '--allow-remote':
        allowRemote = true;
        break;
      case '--profile': {
        const id = value();
        try {
          getProfile(id);
        } catch (e) {
          throw new UsageError((e as Error).message);
        }
        opts.profile = id;
        break;
      }
      case '--model':
        opts.model = value();
        break;
      case '--startup-delay':
        opts.startupDelayMs = parseDuration(flag, value());
        break;
      case '--max-num-seqs':
        opts.maxNumSeqs = parseInt0(flag, value(), 1);
        break;
      case '--kv-tokens':
        opts.kvCacheTokens = parseInt0(flag, value(), 1);
        break;
      case '--max-queue':
        opts.maxQueue = parseInt0(flag, value(), 0);
        break;
      case '--seed':
        opts.seed = parseInt0(flag, value(), 0);
        break;
      case '--deterministic':
        deterministic = true;
        break;
      case '--ttft-ms':
        ttftMs = parseMs(flag, value());
        break;
      case '--itl-ms':
        itlMs = parseMs(flag, value());
        break;
      case '--dialect': {
        const d = value();
        if (!isDialect(d)) throw new UsageError(`--dialect: '${d}' is not one of ${DIALECTS.join(', ')}`);
        opts.dialect = d;
        break;
      }
      case '--fault':
        try {
          faults.push(...parseFaults(value()));
        } catch (e) {
          throw new UsageError((e as Error).message);
        }
        break;
      default:
        throw new UsageError(`unknown option '${flag}' (see nimble sim --help)`);
    }
  }
  if (!deterministic && (ttftMs !== undefined || itlMs !== undefined)) {
    throw new UsageError('--ttft-ms and --itl-ms only apply with --deterministic');
  }
  if (deterministic) opts.deterministic = { ttftMs: ttftMs ?? 50, itlMs: itlMs ?? 10 };
  if (faults.length) opts.faults = faults;
  if (!LOOPBACK.has(host) && host !== '0.0.0.0' && !allowRemote) {
    throw new UsageError(`--host ${host} is not a loopback address; the simulator is meant for this machine. Add --allow-remote if you really want it reachable there`);
  }
  opts.host = host;
  return { opts, host };
}

export interface SimIo {
  stdout?: (line: string) => void;
  stderr?: (line: string) => void;
  /** Stops the server like a signal would (tests). */
  signal?: AbortSignal;
}

export async function simCommand(argv: string[], io: SimIo = {}): Promise<number> {
  const out = io.stdout ?? ((l: string) => process.stdout.write(l + '\n'));
  const err = io.stderr ?? ((l: string) => process.stderr.write(l + '\n'));
  let cfg: SimCliConfig | null;
  try {
    cfg = parseSimArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(`nimble sim: ${e.message}`);
    return 2;
  }
  if (!cfg) {
    out(SIM_USAGE);
    return 0;
  }
  const { opts, host } = cfg;
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
  out(`nimble sim listening on ${handle.url} (profile ${profile.id}${det}${opts.dialect && opts.dialect !== 'nim' ? `, dialect ${opts.dialect}` : ''})`);
  out(
    `  model ${opts.model ?? profile.model} · max-num-seqs ${opts.maxNumSeqs ?? profile.maxNumSeqs} · KV ${opts.kvCacheTokens ?? profile.kvCacheTokens} tokens` +
      (opts.startupDelayMs ? ` · ready in ${opts.startupDelayMs / 1000}s` : '') +
      (opts.faults?.length ? ` · faults ${opts.faults.map((f) => `${f.kind}:${f.every ? '1/' + f.every : f.rate}`).join(',')}` : '') +
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
