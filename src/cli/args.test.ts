import { test } from 'node:test';
import assert from 'node:assert/strict';
import { durationFlag, intFlag, parse, UsageError } from './args.ts';

test('an unknown flag is a usage error naming it', () => {
  assert.throws(() => parse(['--profle', 'fast'], { profile: { type: 'string' } }, 'usage'), (e: unknown) => e instanceof UsageError && /--profle/.test(e.message));
});

test('durations accept 90m, 1h30m, 45s and bare minutes', () => {
  assert.equal(durationFlag('d', '90m', ''), 90 * 60_000);
  assert.equal(durationFlag('d', '1h30m', ''), 90 * 60_000);
  assert.equal(durationFlag('d', '45s', ''), 45_000);
  assert.equal(durationFlag('d', '20', ''), 20 * 60_000);
  assert.throws(() => durationFlag('d', 'soon', ''), UsageError);
});

test('integers are checked', () => {
  assert.equal(intFlag('n', '8', ''), 8);
  assert.throws(() => intFlag('n', '0', ''), UsageError);
  assert.throws(() => intFlag('n', '2.5', ''), UsageError);
});

test('a negative number is named as such, not as Node\'s "ambiguous argument"', () => {
  const opts = { budget: { type: 'string' }, sim: { type: 'boolean' } } as const;
  assert.throws(() => parse(['--budget', '-5'], opts, 'usage'), (e: unknown) => e instanceof UsageError && e.message === "--budget must not be negative, got '-5'");
  assert.throws(() => parse(['--budget', '--sim'], opts, 'usage'), (e: unknown) => e instanceof UsageError && /--budget needs a value/.test(e.message) && !/ambiguous/.test(e.message));
});

test('a zero duration is refused (a time box of nothing)', () => {
  for (const v of ['0', '0m', '0h0m0s', '0.0']) assert.throws(() => durationFlag('max-duration', v, ''), (e: unknown) => e instanceof UsageError && /longer than zero/.test(e.message), v);
});

test('node\'s messages are said plainly: unknown flag with the choices, a missing value, a value on a switch', () => {
  const opts = { json: { type: 'boolean' }, format: { type: 'string' } } as const;
  assert.throws(() => parse(['--colour'], opts, 'u'), (e: unknown) => e instanceof UsageError && e.message === 'unknown flag --colour (expected --json, --format)');
  assert.throws(() => parse(['--format'], opts, 'u'), (e: unknown) => e instanceof UsageError && e.message === '--format needs a value');
  assert.throws(() => parse(['--json=yes'], opts, 'u'), (e: unknown) => e instanceof UsageError && e.message === '--json takes no value');
  assert.deepEqual(parse(['a', '--json', 'b'], opts, 'u', true).positionals, ['a', 'b']);
});
