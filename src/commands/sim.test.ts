// nimble-test: io — starts a local server or process: not a unit test (npm run test:unit leaves it out).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../cli/args.ts';
import { parseSimArgs, simCommand } from './sim.ts';
import { getText } from '../sim/nim/testing.ts';

const entry = fileURLToPath(new URL('./sim-entry.ts', import.meta.url));

test('parseSimArgs: flags to options', () => {
  const c = parseSimArgs([
    '--port', '0', '--gpu', 'h100-llama-3.1-8b', '--model', 'm/x', '--startup-delay', '5s', '--max-num-seqs', '8',
    '--seed', '3', '--fault', '429:0.05,reset:1/50:after=5', '--fault=stall:1/7', '--max-queue', '2', '--kv-tokens', '5000',
  ])!;
  assert.equal(c.opts.port, 0);
  assert.equal(c.opts.profile, 'h100-llama-3.1-8b');
  assert.deepEqual(c.warnings, []);
  assert.equal(c.opts.model, 'm/x');
  assert.equal(c.opts.startupDelayMs, 5000);
  assert.equal(c.opts.maxNumSeqs, 8);
  assert.equal(c.opts.seed, 3);
  assert.equal(c.opts.maxQueue, 2);
  assert.equal(c.opts.kvCacheTokens, 5000);
  assert.deepEqual(c.opts.faults!.map((f) => f.kind), ['429', 'reset', 'stall']);
  assert.equal(c.host, '127.0.0.1');
  assert.deepEqual(parseSimArgs(['--deterministic'])!.opts.deterministic, { ttftMs: 50, itlMs: 10 });
  assert.deepEqual(parseSimArgs(['--deterministic', '--ttft-ms', '20', '--itl-ms', '2.5'])!.opts.deterministic, { ttftMs: 20, itlMs: 2.5 });
  assert.equal(parseSimArgs(['--startup-delay', '250ms'])!.opts.startupDelayMs, 250);
  assert.equal(parseSimArgs(['--startup-delay', '2'])!.opts.startupDelayMs, 2000);
  assert.equal(parseSimArgs(['--help']), null);
  assert.equal(parseSimArgs(['--host', '0.0.0.0'])!.host, '0.0.0.0');
  assert.equal(parseSimArgs(['--host', '10.0.0.5', '--allow-remote'])!.host, '10.0.0.5');
  // Overload and leak work with either engine.
  const x = parseSimArgs(['--overload', '4:900:3000', '--leak', '600:40'])!.opts;
  assert.deepEqual(x.overload, { aboveRunning: 4, penaltyMs: 900, recoveryMs: 3000 });
  assert.deepEqual(x.leak, { ttftMsPerMin: 600, kvTokensPerRequest: 40 });
  assert.deepEqual(parseSimArgs(['--leak', '30'])!.opts.leak, { ttftMsPerMin: 30, kvTokensPerRequest: 0 });
});

test('parseSimArgs: --profile is the deprecated name of --gpu and warns', () => {
  const c = parseSimArgs(['--profile', 'h100-llama-3.1-8b'])!;
  assert.equal(c.opts.profile, 'h100-llama-3.1-8b');
  assert.match(c.warnings.join('\n'), /--profile is deprecated, use --gpu/);
  assert.throws(() => parseSimArgs(['--profile', 'h100-llama-3.1-8b', '--gpu', 'h100-llama-3.1-8b']), /give --gpu only/);
});

test('parseSimArgs: wrong flags are UsageErrors that say what to fix', () => {
  const bad = (argv: string[], re: RegExp) =>
    assert.throws(
      () => parseSimArgs(argv),
      (e: unknown) => e instanceof UsageError && re.test(e.message) && /Usage: nimble sim/.test(e.usage),
      argv.join(' '),
    );
  bad(['--bogus'], /unknown flag --bogus/);
  bad(['--port'], /--port/);
  bad(['--port', 'eighty'], /--port must be an integer ≥ 0/);
  bad(['--port', '70000'], /not a port/);
  bad(['--gpu', 'tpu'], /--gpu: 'tpu' is not one of a10-llama-3\.1-8b, /);
  bad(['--startup-delay', 'soon'], /not a duration/);
  bad(['--ttft-ms', '5'], /only apply with --deterministic/);
  bad(['--fault', 'boom:1'], /unknown fault/);
  bad(['--host', '10.0.0.5'], /not a loopback address.*--allow-remote/);
  bad(['--overload', '4:900'], /--overload '4:900': expected 3 numbers/);
  bad(['--overload', '4.5:900:10'], /whole number/);
  bad(['--leak', '-3'], /--leak/);
  bad(['--leak', '1:2:3'], /expected 1 or 2 numbers/);
  bad(['--dialect', 'ollama'], /--dialect: 'ollama' is not one of nim, vllm, vllm-old, sglang, tgi, llamacpp, llamacpp-old, none/);
  assert.equal(parseSimArgs(['--dialect', 'vllm'])!.opts.dialect, 'vllm');
  assert.equal(parseSimArgs(['--dialect=none'])!.opts.dialect, 'none');
});

test('simCommand: runs until aborted, prints the listening line first, exits 0', async () => {
  const lines: string[] = [];
  const errs: string[] = [];
  const ac = new AbortController();
  const done = simCommand(['--port', '0', '--max-num-seqs', '4'], { stdout: (l) => lines.push(l), stderr: (l) => errs.push(l), signal: ac.signal });
  while (!lines.length) await new Promise((r) => setTimeout(r, 5));
  const m = /^nimble sim listening on (http:\/\/127\.0\.0\.1:\d+) \(gpu a10-llama-3\.1-8b\)$/.exec(lines[0]);
  assert.ok(m, lines[0]);
  assert.match(lines[1], /max-num-seqs 4/);
  assert.equal((await getText(m[1] + '/v1/health/ready')).status, 200);
  ac.abort();
  assert.equal(await done, 0);
  await assert.rejects(fetch(m[1] + '/v1/health/live'));
  const usage: string[] = [];
  assert.equal(await simCommand(['--help'], { stdout: (l) => usage.push(l) }), 0);
  assert.match(usage.join('\n'), /Usage: nimble sim[\s\S]*--gpu ID[\s\S]*--overload N:P:R[\s\S]*--leak M\[:K\]/);
  await assert.rejects(simCommand(['--nope']), UsageError);
});

function run(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, exit, stderr: () => stderr };
}

test('sim-entry: prints its line, serves, exits 0 on SIGTERM', async () => {
  const p = run(['--port', '0', '--deterministic', '--ttft-ms', '5', '--itl-ms', '1']);
  try {
    const first = await new Promise<string>((resolve, reject) => {
      createInterface({ input: p.child.stdout }).once('line', resolve);
      p.exit.then((c) => reject(new Error(`exited ${c}: ${p.stderr()}`)));
    });
    const m = /^nimble sim listening on (http:\/\/127\.0\.0\.1:(\d+)) \(gpu a10-llama-3\.1-8b, deterministic: ttft 5 ms, itl 1 ms\)$/.exec(first);
    assert.ok(m, first);
    assert.equal((await getText(m[1] + '/v1/models')).status, 200);
    p.child.kill('SIGTERM');
    assert.equal(await p.exit, 0);
    assert.match(p.stderr(), /stopped/);
  } finally {
    p.child.kill('SIGKILL');
  }
});

test('sim-entry: exit 2 and a clear message on a bad flag', async () => {
  const p = run(['--max-num-seqs', '0']);
  assert.equal(await p.exit, 2);
  assert.match(p.stderr(), /nimble sim: --max-num-seqs must be an integer ≥ 1, got '0'/);
});
