import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PRICE_TABLE, hourlyRate } from '../core/cost.ts';
import { ConfigError, configPath, loadConfig } from './config.ts';

function tmp(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'nimble-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('no config file: the default price table, no budget, source null', (t) => {
  const home = tmp(t);
  const c = loadConfig({}, home);
  assert.equal(c.source, null);
  assert.equal(c.priceTable, DEFAULT_PRICE_TABLE);
  assert.equal(c.dailyBudgetUsd, undefined);
  assert.equal(configPath({}, home).path, join(home, '.config', 'nimble', 'config.json'));
});

test('a price table override keeps the other list prices and is named', (t) => {
  const home = tmp(t);
  mkdirSync(join(home, '.config', 'nimble'), { recursive: true });
  writeFileSync(
    join(home, '.config', 'nimble', 'config.json'),
    JSON.stringify({
      priceTable: { name: 'acme-discount-2026', items: { 'VM.GPU.A10.1': { usd: 1.5 }, 'g5.xlarge': { label: 'AWS g5.xlarge', unit: 'hour', usd: 1.006 } } },
      dailyBudgetUsd: 40,
      sessionsDir: '~/runs',
    }),
  );
  const c = loadConfig({}, home);
  assert.equal(c.priceTable.name, 'acme-discount-2026');
  assert.equal(hourlyRate(c.priceTable, 'VM.GPU.A10.1', 1), 1.5);
  assert.equal(c.priceTable.items['VM.GPU.A10.1'].unit, 'gpu-hour', 'unit kept from the list');
  assert.equal(hourlyRate(c.priceTable, 'BM.GPU.H100.8', 8), 80, 'other items untouched');
  assert.equal(hourlyRate(c.priceTable, 'g5.xlarge', 1), 1.006);
  assert.equal(c.dailyBudgetUsd, 40);
  assert.equal(c.sessionsDir, join(home, 'runs'));
  assert.equal(DEFAULT_PRICE_TABLE.items['VM.GPU.A10.1'].usd, 2, 'the default table is not mutated');
});

test('bad config: errors name the file and the field', (t) => {
  const dir = tmp(t);
  const file = join(dir, 'c.json');
  const expectError = (content: string, re: RegExp) => {
    writeFileSync(file, content);
    assert.throws(() => loadConfig({ NIMBLE_CONFIG: file }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.ok(err.message.includes(file), err.message);
      assert.match(err.message, re);
      return true;
    });
  };
  expectError('{"priceTable": {"name": "x", "items": {"VM.GPU.A10.1": {"usd": "cheap"}}}}', /priceTable\.items\.VM\.GPU\.A10\.1\.usd/);
  expectError('{"priceTable": {"items": {}}}', /priceTable\.name/);
  expectError('{"dailyBudgetUsd": -3}', /dailyBudgetUsd/);
  expectError('{"dailyBudget": 3}', /dailyBudget/);
  expectError('{"priceTable": {"name": "x", "items": {"new-gpu": {"usd": 3}}}}', /new-gpu.*label/);
  expectError('{oops', /not valid JSON/);
  assert.throws(() => loadConfig({ NIMBLE_CONFIG: join(dir, 'missing.json') }), /file not found/);
});
