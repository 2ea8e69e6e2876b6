// The one Ink app, on a (virtual) terminal: moving browser → compare → back → replay → back leaves
// exactly one screen, replay's q quits without asking, and every screen's `?` lists its keys.
//
// Ink draws live frames only outside CI (is-in-ci, read once when Ink loads). What reaches the
// terminal is the point here, so CI is cleared before Ink is loaded: every import that reaches Ink
// is dynamic, below. (Each test file runs in its own process.)
delete process.env.CI;
delete process.env.CONTINUOUS_INTEGRATION;

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PRICE_TABLE } from '../core/cost.ts';
import type { SessionMeta } from '../core/events.ts';
import { reduceAll } from '../core/session-state.ts';
import { summarizeSession } from '../core/session-summary.ts';
import { fixtureEvents } from '../sessions/fixtures.ts';
import { deleteSession, listSessions, openSessionWriter, readSession } from '../sessions/store.ts';
import { FakeTtyStdin, VirtualTerminal } from './virtual-terminal.ts';

const { launchSessions, launchReplay } = await import('./launch.tsx');
const { MONOCHROME } = await import('./theme.ts');
const { BROWSER_KEYMAP, compareKeymap, replayKeymap } = await import('./keymap.ts');

const IDS = ['2026-11-23T10-00-00Z-sim-typi', '2026-11-23T11-00-00Z-sim-fast'];

function folder(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'nimble-launch-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [i, profile] of (['typical', 'fast'] as const).entries()) {
    const events = fixtureEvents({ profile, id: IDS[i] });
    const w = openSessionWriter(dir, (events[0] as { meta: SessionMeta }).meta, { env: {} });
    for (const e of events) w.append(e);
    w.finish(summarizeSession(reduceAll(events), DEFAULT_PRICE_TABLE));
  }
  return {
    dir,
    list: () => listSessions(dir),
    events: (id: string) => readSession(dir, id).events,
    summary: (id: string) => readSession(dir, id, { summaryOnly: true }).summary,
    remove: (id: string) => deleteSession(dir, id),
  };
}

/** Waits for the screen to satisfy `ok` (no fixed sleeps); fails with the screen on timeout. */
async function screen(term: VirtualTerminal, ok: (s: string) => boolean, what: string, timeoutMs = 5000): Promise<string> {
  const end = Date.now() + timeoutMs;
  while (!ok(term.screenText())) {
    if (Date.now() > end) assert.fail(`${what}: not on screen within ${timeoutMs} ms. Screen:\n${term.screenText()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return term.screenText();
}

const count = (text: string, re: RegExp) => (text.match(new RegExp(re.source, 'g')) ?? []).length;

for (const [columns, rows] of [
  [120, 40],
  [80, 24],
] as const) {
  test(`${columns}×${rows}: browser → compare → back → replay → back leaves exactly one screen`, async (t) => {
    const sessions = folder(t);
    const term = new VirtualTerminal(columns, rows);
    const stdin = new FakeTtyStdin();
    const done = launchSessions({ sessions, theme: MONOCHROME, stdout: term as unknown as NodeJS.WriteStream, stdin: stdin as unknown as NodeJS.ReadStream });
    await screen(term, (s) => /Sessions in .* 2 shown/.test(s), 'the browser');
    stdin.press(' ');
    await screen(term, (s) => s.includes('1 marked'), 'one mark');
    stdin.press('j');
    stdin.press(' ');
    await screen(term, (s) => s.includes('2 marked'), 'two marks');
    stdin.press('c');
    const compare = await screen(term, (s) => s.startsWith('Compare 2 sessions'), 'compare, its title on the first line');
    assert.ok(compare.split('\n').length < rows, 'compare fits the terminal');
    assert.doesNotMatch(term.allText(), /Sessions in/, 'the browser is gone, not above');

    stdin.press('q');
    await screen(term, (s) => s.startsWith('Sessions in'), 'back to the browser');
    assert.equal(term.scrollback.length, 0, `nothing scrolled away:\n${term.scrollback.join('\n')}`);
    assert.doesNotMatch(term.allText(), /Compare 2 sessions/);
    assert.match(term.screenText(), /2 marked/, 'the browser kept its marks');

    stdin.press('\r');
    const replay = await screen(term, (s) => /REPLAY/.test(s) && /replay of 2026-11-23T1/.test(s), 'the replay, saying what it replays');
    assert.ok(replay.split('\n').length < rows, 'replay fits the terminal');
    stdin.press(' '); // space pauses (it plays from the start)
    await screen(term, (s) => s.includes('paused'), 'space pauses');
    stdin.press('?');
    await screen(term, (s) => s.includes('Play / pause'), '? in replay');
    stdin.press('?');
    await screen(term, (s) => !s.includes('Play / pause'), 'help closed');
    stdin.press('q');
    await screen(term, (s) => s.startsWith('Sessions in'), 'back to the browser after replay');
    const all = term.allText();
    assert.equal(count(all, /Sessions in/), 1, all);
    assert.doesNotMatch(all, /REPLAY|Compare 2|clean up and quit|Still billing/, all);
    assert.equal(term.scrollback.length, 0);

    stdin.press('q');
    assert.equal(await done, 0);
  });
}

test("replay: q quits at once (no cleanup question), ? lists the replay keys, the end names the saved session", async (t) => {
  const sessions = folder(t);
  const term = new VirtualTerminal(100, 40);
  const stdin = new FakeTtyStdin();
  let ended = false;
  const done = launchReplay({ id: IDS[0], events: sessions.events(IDS[0]), speed: 'step', theme: MONOCHROME, stdout: term as unknown as NodeJS.WriteStream, stdin: stdin as unknown as NodeJS.ReadStream }).then((c) => {
    ended = true;
    return c;
  });
  await screen(term, (s) => s.includes(`replay of ${IDS[0]}`), 'the header');
  stdin.press('?');
  const help = await screen(term, (s) => s.includes('Play / pause'), 'the replay help');
  for (const b of replayKeymap().bindings) assert.ok(help.includes(b.description), `? lists "${b.description}"`);
  assert.doesNotMatch(help, /clean up and quit/);
  stdin.press('\u001b'); // Esc closes the help
  await screen(term, (s) => !s.includes('Play / pause'), 'help closed');
  // Halfway: the recorded GPU is running at this point of the session; quitting must not ask.
  for (let i = 0; i < 10; i++) stdin.press('\u001b[C');
  await screen(term, (s) => /event (\d+)\//.test(s) && Number(/event (\d+)\//.exec(s)![1]) > 0, 'seeked forward');
  stdin.press('$');
  const end = await screen(term, (s) => s.includes(`Replay of the saved session ${IDS[0]}`), 'the end');
  assert.doesNotMatch(end, /Not saved/);
  stdin.press('q');
  assert.equal(await done, 0);
  assert.ok(ended);
  assert.doesNotMatch(term.allText(), /clean up and quit|Still billing:|Not saved/);
});

test('every screen’s ? lists its keys from the keymap (browser, compare)', async (t) => {
  const sessions = folder(t);
  const term = new VirtualTerminal(120, 40);
  const stdin = new FakeTtyStdin();
  const done = launchSessions({ sessions, theme: MONOCHROME, stdout: term as unknown as NodeJS.WriteStream, stdin: stdin as unknown as NodeJS.ReadStream });
  await screen(term, (s) => /2 shown/.test(s), 'the browser');
  stdin.press('?');
  const browserHelp = await screen(term, (s) => s.includes('Keys'), 'browser help');
  for (const b of BROWSER_KEYMAP.bindings) assert.ok(browserHelp.includes(b.description), `browser ? lists "${b.description}"`);
  stdin.press('?');
  await screen(term, (s) => !s.includes('Keys'), 'help closed');
  stdin.press(' ');
  stdin.press('j');
  stdin.press(' ');
  stdin.press('c');
  await screen(term, (s) => s.startsWith('Compare'), 'compare');
  stdin.press('?');
  const compareHelp = await screen(term, (s) => s.includes('Keys'), 'compare help');
  for (const b of compareKeymap(true).bindings) assert.ok(compareHelp.includes(b.description), `compare ? lists "${b.description}"`);
  stdin.press('q'); // q from help: back to the browser
  await screen(term, (s) => s.startsWith('Sessions in'), 'browser');
  stdin.press('q');
  assert.equal(await done, 0);
});

test('the deploy question is a view of the live app: after preflight, with the estimate; n answers no, y yes', async () => {
  const { launchLive } = await import('./launch.tsx');
  const { createLiveStore } = await import('./store.ts');
  const { eventsUntil, sampleEvents } = await import('./fixtures.ts');
  const store = createLiveStore({ flushHz: 0 });
  store.getState().pushMany(eventsUntil(sampleEvents(), 450)); // preflight checks shown, not yet ended
  const term = new VirtualTerminal(100, 30);
  const stdin = new FakeTtyStdin();
  const live = launchLive({ store, theme: MONOCHROME, now: () => 450, onQuit: () => {}, stdout: term as unknown as NodeJS.WriteStream, stdin: stdin as unknown as NodeJS.ReadStream });
  const estimate = { id: 'cost-estimate', label: 'cost estimate', status: 'pass' as const, detail: 'about $0.84 for a 25-minute fast cycle (oci-list-2026-01)' };
  const first = live.confirmDeploy(estimate);
  const asked = await screen(term, (s) => s.includes('Deploy a NIM?'), 'the question');
  assert.match(asked, /Cost estimate: about \$0\.84 for a 25-minute fast cycle/);
  assert.match(asked, /Preflight: 2 passed/);
  assert.match(asked, /y deploy\s+n quit, nothing created/, 'keys from DEPLOY_KEYMAP in the key bar');
  assert.ok(asked.split('\n').length < 30);
  stdin.press('1'); // other keys do nothing while asked
  stdin.press('n');
  assert.equal(await first, false);
  await screen(term, (s) => !s.includes('Deploy a NIM?'), 'the question gone');
  const second = live.confirmDeploy(estimate);
  await screen(term, (s) => s.includes('Deploy a NIM?'), 'asked again');
  stdin.press('y');
  assert.equal(await second, true);
  // Ctrl-C while asked (the signal aborts): answered no, and the question leaves the screen.
  const stop = new AbortController();
  const third = live.confirmDeploy(estimate, stop.signal);
  await screen(term, (s) => s.includes('Deploy a NIM?'), 'asked a third time');
  stop.abort();
  assert.equal(await third, false);
  await screen(term, (s) => !s.includes('Deploy a NIM?'), 'the question gone after the abort');
  live.unmount();
  await live.waitUntilExit();
});
