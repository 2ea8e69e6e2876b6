import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PRICE_TABLE } from '../core/cost.ts';
import type { NimbleEvent, SessionMeta } from '../core/events.ts';
import { reduceAll } from '../core/session-state.ts';
import { summarizeSession } from '../core/session-summary.ts';
import { parsePattern } from '../core/patterns.ts';
import { windowEdges, type PatternWindow, type PoolSummary } from '../core/pattern-windows.ts';
import { buildPatternResult } from '../core/pattern-result.ts';
import { EMPTY_PERCENTILES } from '../core/stats.ts';
import { captureIo } from './io.ts';
import { compareCommand } from './compare.ts';
import { validateCommand } from './validate.ts';
import { reportCommand } from './report.ts';
import { openSessionWriter } from '../sessions/store.ts';

const META: SessionMeta = {
  id: '', nimbleVersion: '0.1.0', mode: 'sim', startedAt: '2026-12-01T08:00:00.000Z', model: 'm', gpuShape: 'VM.GPU.A10.1', gpuCount: 1,
  priceTable: DEFAULT_PRICE_TABLE.name, targetTier: 'fast', flags: { command: 'load' }, shapes: ['support'],
};

/** A spike session whose whole-run figures are chosen: TTFT p95 and its CI, successes, KV. */
function spikeSession(dir: string, id: string, all: Partial<PoolSummary>): void {
  const spec = parsePattern({ pattern: 'spike', base: '2', peak: '8', hold: '3s', spike: '2s', after: '4s', window: '1s', 'recovery-windows': '2' });
  const ws: PatternWindow[] = windowEdges(spec).map((e, i) => ({
    index: i, ...e, sent: 5, completed: 5, failed: 0, errors: {}, inFlight: e.load,
    ttft: { ...EMPTY_PERCENTILES, n: 5, p50: 100, p95: e.phase === 'spike' ? 900 : 120 }, tpot: { ...EMPTY_PERCENTILES }, e2el: { ...EMPTY_PERCENTILES },
    outputTokens: 25, reqPerS: 5, outputTokPerS: 25, server: { samples: 2, queuedSamples: 0, waitingMax: 0, waitingMean: 0, runningMax: e.load, kvMax: 0.2, kvMean: 0.2 },
  }));
  const pool: PoolSummary = {
    ttft: { ...EMPTY_PERCENTILES, n: 500, p95: 300 }, tpot: { ...EMPTY_PERCENTILES, n: 500, p95: 20 }, ttftP95Ci: { low: 280, high: 320 }, tpotP95Ci: { low: 19, high: 21 },
    ttftKept: 500, ttftSeen: 500, completed: 500, failed: 0, timeouts: 0, errors: {}, successRate: 1, outputTokens: 2500, kvMax: 0.2, ...all,
  };
  const result = buildPatternResult(spec, ws, { all: pool, phases: { spike: pool } }, { aborted: false, notes: [], durationMs: 9000 });
  let seq = 0;
  const ev = (b: object) => ({ ...b, seq: seq++, t: seq * 10, wall: seq * 10 }) as NimbleEvent;
  const meta = { ...META, id };
  const events = [
    ev({ type: 'session.started', meta }),
    ev({ type: 'pattern.started', pattern: spec, model: 'm', promptTokens: 32, outputTokens: 5 }),
    ...ws.map((w) => ev({ type: 'pattern.window', window: w })),
    ev({ type: 'pattern.finished', result }),
    ev({ type: 'session.ended', status: 'completed' }),
  ];
  const w = openSessionWriter(dir, meta, { env: {} });
  for (const e of events) w.append(e);
  w.finish(summarizeSession(reduceAll(events), DEFAULT_PRICE_TABLE));
}

// No NIMBLE_CONFIG and a HOME without a config: defaults.
const io = (dir: string) => captureIo({ env: { NIMBLE_SESSIONS_DIR: dir, HOME: dir, XDG_CONFIG_HOME: join(dir, 'no-config') }, cwd: dir });

const GOOD = '2026-12-01T08-00-00Z-sim-good';
const BAD = '2026-12-01T08-01-00Z-sim-badd';
const THIN = '2026-12-01T08-02-00Z-sim-thin';

function setup(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'nimble-pat-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  spikeSession(dir, GOOD, {});
  spikeSession(dir, BAD, { ttft: { ...EMPTY_PERCENTILES, n: 500, p95: 1500 }, ttftP95Ci: { low: 1400, high: 1600 } });
  spikeSession(dir, THIN, { completed: 40, ttftP95Ci: { low: 200, high: Infinity } });
  return dir;
}

test('validate --sla: 0 when every metric is met, 1 when one is missed, 3 when the data cannot decide', async (t) => {
  const dir = setup(t);
  const a = io(dir);
  assert.equal(await validateCommand([GOOD, '--sla'], a), 0, a.err());
  assert.match(a.out(), /4 of 4 met/);
  const b = io(dir);
  assert.equal(await validateCommand([BAD, '--sla'], b), 1);
  assert.match(b.out(), /✗ TTFT p95: 1\.50 s \(target < 800 ms\) — missed/);
  const c = io(dir);
  assert.equal(await validateCommand([THIN, '--sla', '--json'], c), 3);
  assert.equal(JSON.parse(c.out()).exitCode, 3);
  const d = io(dir);
  assert.equal(await validateCommand([GOOD, '--sla', '--tier', 'fast'], d), 2, 'usage');
  // A config target changes the verdict: 1.5 s is met under a 2 s target.
  writeFileSync(join(dir, 'cfg.json'), JSON.stringify({ sla: { ttftP95Ms: 2000 } }));
  const e = io(dir);
  e.env.NIMBLE_CONFIG = join(dir, 'cfg.json');
  assert.equal(await validateCommand([BAD, '--sla'], e), 0, e.out());
});

test('report md and html; two spike sessions compared and overlaid', async (t) => {
  const dir = setup(t);
  const md = io(dir);
  assert.equal(await reportCommand([GOOD, '--format', 'md'], md), 0, md.err());
  assert.match(md.out(), /# nimble pattern report — spike/);
  assert.match(md.out(), /recovery: 0s after the spike/);
  assert.match(md.out(), /\*\*4 of 4 SLA metrics met\*\*/);
  assert.match(md.out(), /\| 3s \| spike \| 8 \|/);
  const html = io(dir);
  assert.equal(await reportCommand([GOOD, BAD, '--format', 'html'], html), 0);
  const h = html.out();
  assert.match(h, /^<!doctype html>/);
  assert.equal((h.match(/<svg /g) ?? []).length, 9, 'one overlay + four charts per run');
  assert.match(h, /TTFT p95 over time — runs overlaid/);
  assert.doesNotMatch(h, /<script/);
  const cmp = io(dir);
  assert.equal(await compareCommand([GOOD, BAD, '--md'], cmp), 0);
  assert.match(cmp.out(), /## nimble pattern comparison/);
  assert.match(cmp.out(), /\| SLA met \| 4 of 4 \| 3 of 4 \|/);
  const bad = io(dir);
  assert.equal(await reportCommand([GOOD, '--format', 'pdf'], bad), 2);
});
