// `nimble sweep --target URL`: smoke test + sweep against any OpenAI-compatible server — no
// cluster, nothing to deploy or clean up — saved as a session like the full cycle.

import type { SessionMeta, SessionStatus } from '../core/events.ts';
import { parseTier } from '../core/tiers.ts';
import { sweepAnswer } from '../core/result-text.ts';
import { newSessionId } from '../sessions/store.ts';
import { intFlag, parse, UsageError } from '../cli/args.ts';
import { errorText } from './cycle.ts';
import { concurrencyFlag, exitCode, tokenOverrides, finishSession, loadLoadService, loadPriceTable, NIMBLE_VERSION, openSession, parseShapes, SWEEP_FLAGS } from './run.ts';

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
  --sessions-dir <dir>       where the session is saved
  --json | --plain           one JSON document at the end | progressive lines
  --theme <name>             dark | light | high-contrast

Exit: 0 answered · 3 completed, but the answer is limited by this client (a lower bound) ·
1 failed or no valid answer · 2 usage · 130 stopped
`;

const options = {
  target: { type: 'string' },
  'api-key-env': { type: 'string' },
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

export async function sweepCommand(argv: string[]): Promise<number> {
  const { values: f } = parse(argv, options, SWEEP_USAGE);
  if (f.help) {
    process.stdout.write(SWEEP_USAGE);
    return 0;
  }
  if (!f.target) throw new UsageError('--target is required', SWEEP_USAGE);
  const baseUrl = normalizeTarget(f.target);
  const shapes = parseShapes(f.shape, SWEEP_USAGE);
  const maxConcurrency = concurrencyFlag(f['max-concurrency'], SWEEP_USAGE);
  const gpus = intFlag('gpus', f.gpus, SWEEP_USAGE) ?? 1;
  const tokens = tokenOverrides(f['prompt-tokens'], f['output-tokens'], SWEEP_USAGE);
  const gpuShape = f['gpu-shape'] ?? 'VM.GPU.A10.1';
  const timing = f['sweep-timing'] ?? 'standard';
  if (timing !== 'quick' && timing !== 'standard') throw new UsageError('--sweep-timing must be quick or standard', SWEEP_USAGE);
  const keyVar = f['api-key-env'] ?? (process.env.OPENAI_API_KEY ? 'OPENAI_API_KEY' : undefined);
  const apiKey = keyVar ? process.env[keyVar] : undefined;
  if (keyVar && !apiKey) throw new UsageError(`environment variable ${keyVar} is empty or not set`, SWEEP_USAGE);
  const targetTier = f.tier ? parseTier(f.tier) : 'fast';
  if (!targetTier) throw new UsageError(`--tier must be slow, typical, fast or ultra`, SWEEP_USAGE);

  const config = await loadPriceTable();
  const priceTable = config.table;
  const load = await loadLoadService();
  let model = f.model;
  if (!model) {
    try {
      model = await load.resolveModel!(baseUrl, apiKey);
    } catch (err) {
      process.stderr.write(`nimble sweep: could not read ${baseUrl}/v1/models (${errorText(err)}). Is the server up? Pass --model to skip this.\n`);
      return 1;
    }
  }
  const meta: SessionMeta = {
    id: newSessionId(new Date(), 'endpoint'),
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
  };
  const session = await openSession(meta, { json: f.json, plain: f.plain, theme: f.theme, sessionsDir: f['sessions-dir'], configSessionsDir: config.sessionsDir }, priceTable, apiKey ? [apiKey] : []);
  const { bus } = session;
  const signal = session.abort.signal;
  let status: SessionStatus = 'completed';
  let reason: string | undefined;
  bus.emit({ type: 'session.started', meta });
  bus.emit({ type: 'endpoint', endpoint: { baseUrl, via: 'load-balancer' } });
  // nimble does not own this server, but its GPU time is what the measurement costs: bill it for
  // the length of the test so $ figures compare with full-cycle sessions.
  const gpu = { id: 'gpu-node', priceItem: gpuShape, quantity: gpus, label: `${gpus}× GPU on ${gpuShape} (behind the endpoint, not managed by nimble)` };
  bus.emit({ type: 'cluster.signal', signal: { kind: 'resource', resource: gpu, action: 'start' } });
  try {
    bus.emit({ type: 'stage.started', stage: 'smoke' });
    const smoke = await load.runSmokeTest(baseUrl, model!, apiKey, (b) => bus.emit(b), signal);
    const smokeOk = smoke.every((c) => c.ok);
    bus.emit({ type: 'stage.ended', stage: 'smoke', ok: smokeOk });
    if (!smokeOk) {
      status = 'failed';
      reason = `smoke test failed (${smoke.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`).join('; ')})`;
    } else {
      bus.emit({ type: 'stage.started', stage: 'sweep' });
      const gpuRate = priceTable.items[gpuShape];
      await load.runSweep(
        {
          baseUrl,
          model: model!,
          shapes,
          maxConcurrency,
          apiKey,
          gpuCount: gpus,
          gpuHourlyUsd: gpuRate ? gpuRate.usd : NaN,
          priceTable: priceTable.name,
          timing,
          shapeOverrides: tokens ? Object.fromEntries(shapes.map((sh) => [sh, tokens])) : undefined,
        },
        (b) => bus.emit(b),
        bus.clock,
        signal,
      );
      // A sweep with no valid, decided answer is not a result: the session says so (exit 1).
      const answer = sweepAnswer(bus.state.sweep.breakingPoints);
      const noAnswer = !signal.aborted && answer.status === 'none';
      bus.emit({ type: 'stage.ended', stage: 'sweep', ok: !signal.aborted && !noAnswer, note: signal.aborted ? 'stopped' : noAnswer ? 'no answer' : undefined });
      if (signal.aborted) {
        status = 'aborted';
        reason = 'stopped by the user';
      } else if (noAnswer) {
        status = 'failed';
        reason = `the sweep gave no answer — ${answer.lines.join('; ')}`;
      }
    }
  } catch (err) {
    const aborted = signal.aborted || (err instanceof Error && err.name === 'AbortError');
    status = aborted ? 'aborted' : 'failed';
    reason = aborted ? 'stopped by the user' : errorText(err);
    if (!aborted) bus.emit({ type: 'error', where: 'sweep', message: reason });
  }
  bus.emit({ type: 'cluster.signal', signal: { kind: 'resource', resource: gpu, action: 'stop' } });
  bus.emit({ type: 'stage.started', stage: 'summary' });
  bus.emit({ type: 'session.ended', status, reason });
  await finishSession(session, priceTable);
  return exitCode(status, bus.state.sweep.breakingPoints);
}
