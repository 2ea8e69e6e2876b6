import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_PRICE_TABLE } from './cost.ts';
import { reduceAll } from './session-state.ts';
import { summarizeSession } from './session-summary.ts';
import { fixtureEvents } from '../sessions/fixtures.ts';
import { reliability, validateSession, validationToText } from './validate.ts';

const summary = (o: Parameters<typeof fixtureEvents>[0]) => summarizeSession(reduceAll(fixtureEvents(o)), DEFAULT_PRICE_TABLE);

test('a fast-profile session makes the Fast tier', () => {
  const v = validateSession(summary({ profile: 'fast' }), 'fast');
  const failed = v.items.filter((i) => i.counts && !i.pass);
  assert.deepEqual(failed, [], validationToText(v));
  assert.equal(v.pass, true);
  const deploy = v.items.find((i) => i.id === 'deploy')!;
  assert.equal(deploy.targetMs, 12 * 60_000);
  assert.ok(deploy.measuredMs! > 8 * 60_000 && deploy.measuredMs! <= 12 * 60_000, String(deploy.measuredMs));
  assert.equal(v.items.find((i) => i.id === 'success-criterion')!.targetMs, 20 * 60_000);
});

test('a typical-profile session misses Fast (deploy over 12 min) but makes Typical', () => {
  const s = summary({ profile: 'typical' });
  const v = validateSession(s, 'fast');
  assert.equal(v.pass, false);
  const deploy = v.items.find((i) => i.id === 'deploy')!;
  assert.equal(deploy.pass, false);
  assert.match(deploy.detail, /> 12m00s/);
  assert.match(validationToText(v), /FAIL.*Deploy/);
  assert.equal(validateSession(s, 'typical').pass, true, validationToText(validateSession(s, 'typical')));
});

test('a phase budget of 0 (warm node) says so; a phase that did not run says it was not measured', () => {
  // The "GPU Node Ready phase budget 3m 42s vs 0s": Fast budgets no wait for a GPU node.
  const text = validationToText(validateSession(summary({ profile: 'typical' }), 'fast'));
  assert.match(text, /over\s+GPU Node Ready phase budget\s+4m00s vs budget no wait \(warm node, ≤ 30s\)/, text);
  assert.doesNotMatch(text, /vs 0s/, text);
  const cut = summarizeSession(reduceAll(fixtureEvents({ profile: 'fast', killAfter: 12 })), DEFAULT_PRICE_TABLE);
  const pending = validateSession(cut, 'fast').items.filter((i) => i.id.startsWith('phase:') && i.measuredMs === null);
  assert.ok(pending.length > 0, validationToText(validateSession(cut, 'fast')));
  for (const i of pending) assert.match(i.detail, /^not measured \(/, i.detail);
});

test('an aborted session fails the success criterion whatever its times', () => {
  const s = summarizeSession(reduceAll(fixtureEvents({ profile: 'fast', killAfter: 40 })), DEFAULT_PRICE_TABLE);
  const v = validateSession({ ...s, status: 'aborted', endReason: 'interrupted' }, 'slow');
  assert.equal(v.pass, false);
  assert.match(v.items.find((i) => i.id === 'success-criterion')!.detail, /aborted/);
  assert.equal(v.items.find((i) => i.id === 'cleanup')!.detail, 'not measured');
});

test('an aborted or failed cycle achieves no tier for its total (or failed stages), only a time', () => {
  const events = fixtureEvents({ profile: 'fast', killAfter: 40 });
  const last = events.at(-1)!;
  events.push({ type: 'session.ended', status: 'aborted', reason: 'stopped by the user', seq: last.seq + 1, t: last.t + 1000, wall: last.wall + 1000 });
  const s = summarizeSession(reduceAll(events), DEFAULT_PRICE_TABLE);
  assert.equal(s.status, 'aborted');
  assert.ok(s.stages.total.durationMs !== null && s.stages.total.durationMs > 0);
  assert.equal(s.stages.total.ok, false);
  assert.equal(s.stages.total.tier, null);
  // A completed fast session keeps its tiers.
  assert.equal(summary({ profile: 'fast' }).stages.total.tier, 'fast');
});

test('phases a kill left unrun are shown as not measured, never as over their budget', () => {
  const s = summarizeSession(reduceAll(fixtureEvents({ profile: 'fast', killAfter: 12 })), DEFAULT_PRICE_TABLE);
  const v = validateSession({ ...s, status: 'aborted', endReason: 'interrupted' }, 'fast');
  const unrun = v.items.filter((i) => i.id.startsWith('phase:') && i.measuredMs === null);
  assert.ok(unrun.length > 0);
  const text = validationToText(v);
  for (const i of unrun) assert.match(text, new RegExp(`  —   ${i.label}`));
  assert.doesNotMatch(text, /over  .* phase budget\s+(pending|running)/);
});

test('reliability: success rates against the seed targets', () => {
  const ok = Array.from({ length: 18 }, () => summary({ profile: 'fast' }));
  const failedSweep = summary({ profile: 'fast', sweepFailed: true });
  const killed = { ...summarizeSession(reduceAll(fixtureEvents({ profile: 'fast', killAfter: 12 })), DEFAULT_PRICE_TABLE), status: 'aborted' as const };
  const imported = { ...summary({}), meta: { ...summary({}).meta, mode: 'import' as const } };
  const r = reliability([...ok, failedSweep, killed, imported], 'fast');
  assert.equal(r.runs, 20);
  assert.deepEqual(r.excluded.map((e) => e.reason), ['imported results, not a nimble cycle']);
  const by = Object.fromEntries(r.items.map((i) => [i.id, i]));
  assert.equal(by.deploy.attempts, 20);
  assert.equal(by.deploy.successes, 19); // killed mid-deploy
  assert.equal(by.deploy.pass, true); // 95% ≥ 95%
  assert.equal(by.test.attempts, 19);
  assert.equal(by.test.successes, 18);
  assert.equal(by.test.pass, false); // 94.7% < 98%
  assert.equal(by.cleanup.successes, 19);
  assert.equal(by.cleanup.attempts, 20);
  assert.equal(by.cleanup.pass, false); // 95% < 99%
  assert.equal(by.cycle.successes, 18);
  assert.equal(by.cycle.rate, 0.9);
  assert.equal(by.tier.successes, 18);
  assert.equal(r.pass, false);
  assert.equal(reliability(ok).pass, true);
});
