// status and cleanup before they touch a cluster: wrong flags and --help.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statusCommand } from './status.ts';
import { cleanupCommand } from './cleanup.ts';
import { captureIo } from './io.ts';

function io() {
  const c = captureIo();
  const lines = (s: string) => (s ? s.replace(/\n$/, '').split('\n') : []);
  return Object.defineProperties(c, { outs: { get: () => lines(c.out()) }, errs: { get: () => lines(c.err()) } }) as typeof c & { outs: string[]; errs: string[] };
}

test('a wrong flag exits 2 and names the command and the flag', async () => {
  for (const [name, cmd] of [['status', statusCommand], ['cleanup', cleanupCommand]] as const) {
    const o = io();
    assert.equal(await cmd(['--bogus'], o), 2, name);
    assert.match(o.errs.join('\n'), new RegExp(`^nimble ${name}: .*--bogus`), name);
    assert.deepEqual(o.outs, []);
  }
  // A flag of cleanup's is not one of status's.
  const o = io();
  assert.equal(await statusCommand(['--keep-cache'], o), 2);
});

test('--help prints each command\'s own usage and exits 0', async () => {
  const s = io();
  assert.equal(await statusCommand(['--help'], s), 0);
  assert.match(s.outs[0], /^nimble status \[--namespace NS\]/);
  const c = io();
  assert.equal(await cleanupCommand(['-h'], c), 0);
  assert.match(c.outs[0], /^nimble cleanup \[--release R\].*--keep-cache/);
  assert.deepEqual([...s.errs, ...c.errs], []);
});
