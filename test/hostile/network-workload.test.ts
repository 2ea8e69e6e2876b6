// nimble-test: serial — three real sweeps against a recording server (~15 s).
// Issue 9: prompts a cache cannot flatter (unique across runs and sessions, salted at the start),
// a stated prefix share only when asked, and the prompt length by the server's own count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOSTILE_MODEL, startHostileServer } from './server.ts';
import { runMeasured } from './measure.ts';

const sharedWords = (a: string, b: string) => {
  const x = a.split(' ');
  const y = b.split(' ');
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  return i;
};

test('prompts are unique across runs, salted at the start; --prefix-cache-hit shares the stated share; prompt length by the server', async () => {
  const server = await startHostileServer('ok');
  const dir = mkdtempSync(join(tmpdir(), 'nimble-workload-'));
  try {
    const sweep = async (extra: string[] = []) => {
      const before = server.prompts().length;
      const sub = mkdtempSync(join(dir, 'run-'));
      const o = await runMeasured(
        ['sweep', '--target', server.url, '--model', HOSTILE_MODEL, '--json', '--max-concurrency', '2', '--output-tokens', '8', '--sweep-timing', 'quick', '--sessions-dir', sub, ...extra],
        sub,
        { killMs: 60_000 },
      );
      assert.equal(o.code, 0, o.stderr);
      // The first prompt of a run is the smoke test's fixed one.
      return { prompts: server.prompts().slice(before + 1), session: o.session!, events: o.events };
    };
    const a = await sweep();
    const b = await sweep();
    assert.ok(a.prompts.length > 20 && b.prompts.length > 20);
    const all = [...a.prompts, ...b.prompts];
    assert.equal(new Set(all).size, all.length, 'no prompt repeats, within a run or across runs');
    // No prefix in common between any two prompts: the very first word differs (salt + marker).
    const first = all.map((p) => p.split(' ')[0]);
    assert.equal(new Set(first).size, first.length);
    const saltA = a.prompts[0].slice(0, 12);
    assert.ok(a.prompts.every((p) => p.startsWith(saltA)) && !b.prompts[0].startsWith(saltA), 'a per-session salt starts every prompt');
    // Prompt length by the server's count (usage.prompt_tokens: words + 5 on this server).
    for (const l of a.session.levels) {
      assert.equal(l.promptTokenSource, 'usage');
      assert.deepEqual(l.requested, { promptTokens: 256, outputTokens: 8 });
      const words = a.prompts[0].split(/\s+/).length;
      assert.ok(Math.abs(l.meanPromptTokens - (words + 5)) < 1.5, `mean prompt ${l.meanPromptTokens}, server counts ${words + 5}`);
    }
    assert.equal(a.events.find((e) => e.type === 'sweep.started')!.workload.prefixCacheHit, 0);

    const c = await sweep(['--prefix-cache-hit', '0.5']);
    const shared = sharedWords(c.prompts[0], c.prompts[c.prompts.length - 1]);
    assert.ok(shared >= 0.4 * 256 && shared <= 0.6 * 256, `about half of the prompt shared: ${shared} words`);
    assert.equal(new Set(c.prompts).size, c.prompts.length, 'still no two prompts identical');
    assert.equal(sharedWords(c.prompts[0], a.prompts[0]), 0, 'nothing shared with another session');
    assert.equal(c.events.find((e) => e.type === 'sweep.started')!.workload.prefixCacheHit, 0.5);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
