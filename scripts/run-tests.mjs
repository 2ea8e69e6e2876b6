#!/usr/bin/env node
// Runs every *.test.ts / *.test.tsx under src/ and test/ with Node's own runner.
// Node 20 does not expand globs for --test, so the file list is collected here.
// Integration tests that need the project's Kubernetes test cluster (test/cluster: v1.36 + kwok,
// built from Go modules) live under test/integration. They run by default: the cluster is built
// first (see test/cluster/README.md for the cold build time; < 1 s afterwards). `--unit` (or
// NIMBLE_K8S_TESTS=0) leaves them out; without Go they are skipped with a message.
// `--unit`: unit tests only — files under src/ that do not say `nimble-test: io` (they start a
// server, a Node process or reach for a cluster); scripts/unit-guard.mjs fails any that do.
// Output: one line a file (failures in full) and one total over all batches, closing with
// TAP-style `# tests N` … `# fail N` lines.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const clusterTools = resolve(root, 'test/cluster');
const unitOnly = args.includes('--unit');
const head = (f) => readFileSync(join(root, f), 'utf8').slice(0, 600);
let wantIntegration = !unitOnly && process.env.NIMBLE_K8S_TESTS !== '0';
if (wantIntegration && spawnSync('go', ['version'], { stdio: 'ignore' }).status !== 0) {
  console.error('integration tests not run: the test cluster is built with Go (>= 1.26), and `go` is not on PATH');
  wantIntegration = false;
}
const onlyIntegration = args.includes('--only-integration');
const named = args.filter((a) => !a.startsWith('--'));

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'node_modules' || name.startsWith('.')) continue;
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.test\.tsx?$/.test(name)) out.push(relative(root, p));
  }
  return out;
}

let files = named.length ? named : [...walk(join(root, 'src')), ...walk(join(root, 'test'))];
if (!named.length) {
  files = files.filter((f) => {
    const integ = f.startsWith('test/integration/');
    if (unitOnly) return f.startsWith('src/') && !/nimble-test: io\b/.test(head(f));
    if (onlyIntegration) return integ;
    return integ ? wantIntegration : true;
  });
}
files.sort();
if (files.some((f) => f.startsWith('test/integration/'))) {
  // Build (or reuse) the cluster's binaries before the integration tests start their own instances.
  const b = spawnSync('bash', [join(clusterTools, 'build.sh')], { stdio: ['ignore', 'inherit', 'inherit'], cwd: root });
  if (b.status !== 0) {
    console.error('the Kubernetes test cluster did not build: see the output above');
    process.exit(1);
  }
  process.env.NIMBLE_K8S_TESTS = '1';
}
if (!files.length) {
  console.error('no test files found');
  process.exit(1);
}
// Files that measure time against a truth (latency fidelity, key timing, simulated timelines in
// real time) say `nimble-test: serial` near the top: they run one at a time after the rest, so two
// CPU-heavy files on a 2-core machine do not make each other's measurements wrong.
const isSerial = (f) => /nimble-test: serial/.test(head(f));
const serial = files.filter(isSerial);
const parallel = files.filter((f) => !isSerial(f));
const concurrency = process.env.NIMBLE_TEST_CONCURRENCY ?? '2';
const totalsDir = mkdtempSync(join(tmpdir(), 'nimble-test-'));
const totalsFile = join(totalsDir, 'totals.ndjson');
const started = Date.now();
let status = 0;
for (const [list, conc] of [[parallel, concurrency], [serial, '1']]) {
  if (!list.length) continue;
  const r = spawnSync(
    process.execPath,
    [
      '--import', 'tsx',
      ...(unitOnly ? ['--import', join(root, 'scripts/unit-guard.mjs')] : []),
      '--test', `--test-concurrency=${conc}`,
      `--test-reporter=${join(root, 'scripts/test-reporter.mjs')}`, '--test-reporter-destination=stdout',
      ...list,
    ],
    { stdio: 'inherit', cwd: root, env: { ...process.env, FORCE_COLOR: '0', NIMBLE_TEST_TOTALS: totalsFile } },
  );
  if (r.status !== 0) status = r.status ?? 1;
}
// One total over the batches (the serial batch runs after the parallel one, with its own runner).
const sum = { tests: 0, suites: 0, pass: 0, fail: 0, cancelled: 0, skipped: 0, todo: 0 };
let batches = 0;
try {
  for (const line of readFileSync(totalsFile, 'utf8').split('\n').filter(Boolean)) {
    batches++;
    const t = JSON.parse(line);
    for (const k of Object.keys(sum)) sum[k] += t[k] ?? 0;
  }
} catch {
  // No totals: a runner died before its reporter finished; the exit status below says so.
}
rmSync(totalsDir, { recursive: true, force: true });
const wall = ((Date.now() - started) / 1000).toFixed(1);
if (batches === 0 && status === 0) status = 1;
console.log(
  `\n${status === 0 ? '✔' : '✖'} ${files.length} files · ${sum.tests} tests · ${sum.pass} passed · ${sum.fail} failed · ` +
    `${sum.cancelled} cancelled · ${sum.skipped} skipped · ${sum.todo} todo · ${wall} s`,
);
for (const k of Object.keys(sum)) console.log(`# ${k} ${sum[k]}`);
console.log(`# duration_ms ${Date.now() - started}`);
process.exit(status);
