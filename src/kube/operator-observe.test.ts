import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ClusterSignal } from '../core/cluster.ts';
import { initialPhases, trackPhase, type Phases } from '../core/phase-tracker.ts';
import { OperatorObserver } from './operator-observe.ts';
import type { Condition, NIMCache, NIMService } from './k8s-types.ts';
import { parseWatchLine, type WatchEvent } from './stream.ts';

// Status sequences the operator writes, transcribed from its reconcile code (see operator-observe.ts).
// The kind of a fixture's objects, from its name.
type KindOf<F extends string> = F extends `nimcache-${string}` ? NIMCache : NIMService;
const read = <F extends string>(f: F): WatchEvent<KindOf<F>>[] =>
  readFileSync(new URL(`./fixtures/operator/${f}`, import.meta.url), 'utf8')
    .split('\n')
    .map((l) => parseWatchLine<KindOf<F>>(l))
    .filter((e): e is WatchEvent<KindOf<F>> => e !== null);

const CACHE = 'nimble-cache-meta-llama-3-1-8b-instruct';
const failure = (o: OperatorObserver) => o.failure;

function observer(o: { cacheExisted?: boolean; now?: () => number; operatorSilentMs?: number } = {}) {
  const signals: ClusterSignal[] = [];
  const ob = new OperatorObserver(
    { namespace: 'nim', cacheName: CACHE, serviceName: 'llama', cacheExisted: o.cacheExisted ?? false, startedAt: 0, now: o.now ?? (() => 0), operatorSilentMs: o.operatorSilentMs },
    (s) => signals.push(s),
  );
  return { ob, signals };
}

test('a cold NIMCache: every state change is a progress signal, Ready closes Model Download with the PVC', () => {
  const { ob, signals } = observer();
  for (const e of read('nimcache-cold.ndjson')) ob.onNimCache(e);
  const progress = signals.filter((s) => s.kind === 'cache.progress').map((s) => (s as { state: string }).state);
  assert.deepEqual(progress, ['PVC-Created', 'Started', 'Pending', 'InProgress']);
  const ready = signals.filter((s) => s.kind === 'cache.ready');
  assert.equal(ready.length, 1);
  assert.deepEqual(ready[0], { kind: 'cache.ready', cache: CACHE, pvc: CACHE, message: 'The Job to cache NIM has successfully completed', existed: false });
  assert.equal(ob.cacheReady, true);
  assert.equal(failure(ob), null);
  // Each condition change once, as a raw event (JOB_PENDING flips True → False: two events).
  const raw = signals.filter((s) => s.kind === 'k8s.event').map((s) => (s as { reason: string }).reason);
  assert.deepEqual(raw, ['PVCCreated', 'JobCreated', 'JobPending', 'JobRunning', 'JobCompleted']);
});

test('the timeline from a cold NIMCache: the Job pod gives node and image, InProgress..Ready is Model Download', () => {
  let p: Phases = initialPhases();
  const at = (s: ClusterSignal, t: number) => (p = trackPhase(p, s, t));
  at({ kind: 'release.submitted', release: 'llama' }, 0);
  at({ kind: 'pod.scheduled', pod: `${CACHE}-job-x1`, node: 'gpu-1' }, 5);
  at({ kind: 'image.pulled', image: 'nvcr.io/nim/x:1', cached: false, message: 'pulled' }, 30);
  at({ kind: 'cache.progress', cache: CACHE, state: 'InProgress', message: '' }, 31);
  at({ kind: 'container.started', pod: `${CACHE}-job-x1`, container: 'nim-cache', restarts: 0 }, 32);
  at({ kind: 'cache.ready', cache: CACHE, pvc: CACHE, message: '', existed: false }, 100);
  assert.equal(p.modelDownload.status, 'done');
  assert.equal(p.modelDownload.startedAt, 31);
  assert.equal(p.modelDownload.endedAt, 100);
  assert.equal(p.nimStartup.status, 'running');
  assert.equal(p.nimStartup.startedAt, 100);
  // The NIM pod itself: its container start does not reopen the download.
  at({ kind: 'container.started', pod: 'llama-abc', container: 'llama-ctr', restarts: 0 }, 110);
  at({ kind: 'pod.ready', pod: 'llama-abc', ready: true }, 150);
  assert.equal(p.modelDownload.endedAt, 100);
  assert.deepEqual([p.nimStartup.status, p.nimStartup.startedAt, p.nimStartup.endedAt], ['done', 100, 150]);
});

test('a kept NIMCache (already Ready): Model Download is zero, NIM Startup starts with the NIM container', () => {
  const { ob, signals } = observer({ cacheExisted: true });
  const readyOnly = read('nimcache-cold.ndjson').at(-1)!;
  ob.onNimCache({ ...readyOnly, type: 'ADDED' });
  const ready = signals.find((s) => s.kind === 'cache.ready') as Extract<ClusterSignal, { kind: 'cache.ready' }>;
  assert.equal(ready.existed, true);
  let p: Phases = initialPhases();
  p = trackPhase(p, { kind: 'release.submitted', release: 'llama' }, 0);
  p = trackPhase(p, ready, 1);
  assert.deepEqual([p.modelDownload.status, p.modelDownload.startedAt, p.modelDownload.endedAt], ['done', 1, 1]);
  assert.match(p.modelDownload.note ?? '', /kept NIMCache/);
  assert.equal(p.nimStartup.status, 'pending', 'no node or image yet: startup has not begun');
  p = trackPhase(p, { kind: 'pod.scheduled', pod: 'llama-abc', node: 'gpu-1' }, 4);
  p = trackPhase(p, { kind: 'container.started', pod: 'llama-abc', container: 'llama-ctr', restarts: 0 }, 20);
  assert.deepEqual([p.gpuNode.status, p.imagePull.status, p.nimStartup.status, p.nimStartup.startedAt], ['done', 'done', 'running', 20]);
});

test('a failed caching Job fails the deploy with the Job condition as evidence and where to look', () => {
  const { ob, signals } = observer();
  for (const e of read('nimcache-failed.ndjson')) ob.onNimCache(e);
  const dx = failure(ob);
  assert.ok(dx);
  assert.equal(dx.id, 'nimcache-failed');
  assert.equal(dx.fatal, true);
  assert.match(dx.evidence, /JobFailed: The Job to cache NIM has failed/);
  assert.match(dx.fix, new RegExp(`kubectl logs job/${CACHE}-job -n nim`));
  assert.equal(signals.filter((s) => s.kind === 'failure').length, 1);
  assert.equal(ob.cacheReady, false);
});

test('NIMService: NotReady while it waits for the cache, Ready with its endpoints; done needs both resources', () => {
  const { ob } = observer();
  const seq = read('nimservice-ready.ndjson');
  ob.onNimService(seq[0]);
  ob.onNimService(seq[1]);
  assert.equal(ob.serviceReady, false);
  assert.equal(ob.serviceState, 'NotReady');
  ob.onNimService(seq[2]);
  assert.equal(ob.serviceReady, false);
  ob.onNimService(seq[3]);
  assert.equal(ob.serviceReady, true);
  assert.deepEqual(ob.endpoints, { cluster: 'llama-nim.nim.svc.cluster.local:8000', external: '10.0.0.5:8000' });
  assert.equal(ob.done, false, 'the NIMCache has not been seen Ready');
  for (const e of read('nimcache-cold.ndjson')) ob.onNimCache(e);
  assert.equal(ob.done, true);
  assert.equal(failure(ob), null);
});

test('older operators: NIM_SERVICE_READY / NIM_SERVICE_FAILED condition types count the same', () => {
  const { ob } = observer();
  const mk = (conds: Condition[], state: string): WatchEvent<NIMService> => ({ type: 'MODIFIED', object: { kind: 'NIMService', metadata: { name: 'llama' }, status: { state, conditions: conds } } });
  ob.onNimService(mk([{ type: 'NIM_SERVICE_READY', status: 'True', reason: 'Ready' }], 'Ready'));
  assert.equal(ob.serviceReady, true);
  const { ob: ob2 } = observer();
  ob2.onNimService(mk([{ type: 'NIM_SERVICE_FAILED', status: 'True', reason: 'DeploymentFailed', message: 'boom' }], 'Failed'));
  assert.match(failure(ob2)?.evidence ?? '', /DeploymentFailed: boom/);
});

test('NIMService Failed for a missing NIMCache says which and how to check', () => {
  const { ob } = observer();
  for (const e of read('nimservice-cache-not-found.ndjson')) ob.onNimService(e);
  const dx = failure(ob);
  assert.equal(dx?.id, 'nimservice-failed');
  assert.match(dx?.evidence ?? '', /NIMCacheNotFound: NIMCache nimble-cache-.* not found/);
  assert.match(dx?.fix ?? '', /kubectl get nimcache -n nim/);
});

test('an operator that never writes a status is diagnosed after the silence window, not before', () => {
  let now = 0;
  const { ob } = observer({ now: () => now, operatorSilentMs: 60_000 });
  ob.onNimCache(read('nimcache-cold.ndjson')[0]); // ADDED without status: the API server, not the operator
  now = 59_000;
  ob.tick();
  assert.equal(failure(ob), null);
  now = 61_000;
  ob.tick();
  assert.equal(failure(ob)?.id, 'operator-not-running');
  // Any status written in time keeps it quiet.
  let t2 = 0;
  const { ob: heard } = observer({ now: () => t2, operatorSilentMs: 60_000 });
  heard.onNimCache(read('nimcache-cold.ndjson')[1]);
  t2 = 10 * 60_000;
  heard.tick();
  assert.equal(failure(heard), null);
});

test('objects of other names are ignored; deleting the NIMCache mid-deploy is a failure', () => {
  const { ob, signals } = observer();
  const other = read('nimcache-cold.ndjson')[5];
  ob.onNimCache({ ...other, object: { ...other.object, metadata: { ...other.object.metadata, name: 'someone-elses' } } });
  assert.equal(signals.length, 0);
  ob.onNimCache({ type: 'DELETED', object: { kind: 'NIMCache', metadata: { name: CACHE } } });
  assert.equal(failure(ob)?.id, 'nimcache-deleted');
});
