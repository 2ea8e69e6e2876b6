#!/usr/bin/env node
// Runs every *.test.ts / *.test.tsx under src/ and test/ with Node's own runner.
// Node 20 does not expand globs for --test, so the file list is collected here.
// Integration tests that need the project's Kubernetes test cluster (test/cluster: v1.36 + kwok,
// built from Go modules) live under test/integration. They run by default: the cluster is built
// first (see test/cluster/README.md for the cold build time; < 1 s afterwards). `--unit` (or
// NIMBLE_K8S_TESTS=0) leaves them out; without Go they are skipped with a message.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const clusterTools = resolve(root, 'test/cluster');
let wantIntegration = !args.includes('--unit') && process.env.NIMBLE_K8S_TESTS !== '0';
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
const isSerial = (f) => /nimble-test: serial/.test(readFileSync(join(root, f), 'utf8').slice(0, 600));
const serial = files.filter(isSerial);
const parallel = files.filter((f) => !isSerial(f));
const concurrency = process.env.NIMBLE_TEST_CONCURRENCY ?? '2';
let status = 0;
for (const [list, conc] of [[parallel, concurrency], [serial, '1']]) {
  if (!list.length) continue;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${conc}`, ...list], {
    stdio: 'inherit',
    cwd: root,
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  if (r.status !== 0) status = r.status ?? 1;
}
process.exit(status);
