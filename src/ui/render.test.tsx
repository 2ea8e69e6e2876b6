import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { renderFinalFrame } from './render.tsx';
import { launchLive } from './launch.tsx';
import { createLiveStore } from './store.ts';
import { loadTheme } from '../app/themes.ts';
import { sampleEvents } from './fixtures.ts';
import { reduceAll } from '../core/session-state.ts';
import { frameWidth } from './test-utils.tsx';
import { chooseOutputMode } from '../app/output.ts';
import { inCi } from '../util/ci.ts';

const theme = loadTheme('dark', {});

test('renderFinalFrame renders the summary once, deterministically, at the given width', () => {
  const state = reduceAll(sampleEvents());
  const a = renderFinalFrame(state, theme, 100, { savedTo: 'sessions/x.json' });
  assert.match(a, /COMPLETED/);
  assert.match(a, /support\s+48–56 users/);
  assert.match(a, /Saved to sessions\/x\.json/);
  assert.equal(renderFinalFrame(reduceAll(sampleEvents()), theme, 100, { savedTo: 'sessions/x.json' }), a, 'replay gives the same frame');
  assert.ok(frameWidth(renderFinalFrame(state, theme, 80)) <= 80);
});

class FakeStdout extends EventEmitter {
  columns = 100;
  rows = 30;
  isTTY = true;
  out = '';
  write = (s: string) => {
    this.out += s;
    return true;
  };
}
class NonTtyStdin extends EventEmitter {
  isTTY = false;
  setEncoding() {}
  setRawMode() {
    throw new Error('raw mode on a non-TTY');
  }
  resume() {}
  pause() {}
  ref() {}
  unref() {}
  read() {
    return null;
  }
}

test('launchLive mounts on a non-TTY stdin without raw mode, shows store updates, and unmounts', async () => {
  const store = createLiveStore({ flushHz: 0 });
  const stdout = new FakeStdout();
  let saved: string | undefined;
  const live = launchLive({
    store,
    theme,
    now: () => 0,
    onQuit: () => {},
    savedTo: () => saved,
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: new NonTtyStdin() as unknown as NodeJS.ReadStream,
  });
  store.getState().pushMany(sampleEvents());
  saved = 'sessions/live.json';
  live.rerender();
  // Wait for the frame, not a fixed time: a loaded machine draws it late.
  for (let i = 0; i < 100 && !inCi(process.env) && !/Saved to sessions\/live\.json/.test(stdout.out); i++) await new Promise((r) => setTimeout(r, 50));
  // Ink draws live frames only outside CI (is-in-ci); under CI it writes the last frame on unmount.
  if (!inCi(process.env)) {
    assert.match(stdout.out, /SIMULATED/);
    assert.match(stdout.out, /Saved to sessions\/live\.json/);
  }
  live.unmount();
  await live.waitUntilExit();
  assert.match(stdout.out, /SIMULATED/);
  assert.match(stdout.out, /Saved to sessions\/live\.json/);
});

test('the TUI is chosen only on a TTY, outside CI, without --plain/--json', () => {
  const tty = { isTTY: true };
  assert.equal(chooseOutputMode({}, tty, {}), 'tui');
  assert.equal(chooseOutputMode({}, { isTTY: false }, {}), 'plain');
  assert.equal(chooseOutputMode({ plain: true }, tty, {}), 'plain');
  assert.equal(chooseOutputMode({ json: true }, { isTTY: false }, { CI: 'true' }), 'json');
  assert.equal(chooseOutputMode({}, tty, { CI: 'true' }), 'plain');
  assert.equal(chooseOutputMode({}, tty, { CI: 'false' }), 'tui');
  assert.equal(chooseOutputMode({}, tty, { CONTINUOUS_INTEGRATION: '1' }), 'plain');
});
