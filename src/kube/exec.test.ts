import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KubeCommandError, KubeExec, redactor } from './exec.ts';

const KEY = ['nvapi', 'EXECTEST-0123456789abcdef'].join('-'); // built at run time: no key-shaped literal in the repo for secret scanners

test('redactor scrubs the key, its base64, and the base64 of the registry auth', () => {
  const r = redactor(() => [KEY]);
  const b64 = Buffer.from(KEY).toString('base64');
  const auth = Buffer.from(`$oauthtoken:${KEY}`).toString('base64');
  assert.equal(r(`a ${KEY} b ${b64} c ${auth}`), 'a *** b *** c ***');
  assert.equal(redactor(() => [''])('unchanged'), 'unchanged');
});

test('children get no NGC key in their environment; stdin carries input; stderr and errors are scrubbed', async () => {
  const argv: string[][] = [];
  const logs: string[] = [];
  // `sh` stands in for kubectl: it shows what a child process would see.
  const exec = new KubeExec({
    kubectl: 'sh',
    secrets: () => [KEY],
    env: { PATH: process.env.PATH, NGC_API_KEY: KEY, OTHER: KEY, KEEP: 'yes' },
    log: (s, l) => logs.push(l),
    onSpawn: (f, a) => argv.push([f, ...a]),
  });
  const r = await exec.kubectl(['-c', 'echo "env:${NGC_API_KEY:-none}:${OTHER:-none}:${KEEP}"; cat']);
  assert.equal(r.stdout, `env:none:none:yes`);
  const withInput = await exec.kubectl(['-c', 'cat'], { input: 'manifest on stdin' });
  assert.equal(withInput.stdout, 'manifest on stdin');
  await assert.rejects(exec.kubectl(['-c', `read k; echo "error: bad secret $k" >&2; exit 1`], { input: KEY }), (e: any) => {
    assert.ok(e instanceof KubeCommandError);
    assert.ok(!e.message.includes(KEY));
    assert.match(e.message, /\*\*\*/);
    return true;
  });
  assert.ok(!JSON.stringify(argv).includes(KEY));
  assert.ok(!logs.join('\n').includes(KEY));
  assert.ok(logs.some((l) => l.includes('***')));
});

test('a missing binary is reported as such, with what to do', async () => {
  const exec = new KubeExec({ kubectl: 'kubectl-does-not-exist-here' });
  await assert.rejects(exec.kubectl(['version']), (e: any) => e instanceof KubeCommandError && e.diagnosis.id === 'missing-binary' && /Install kubectl/.test(e.diagnosis.fix));
  const r = await exec.kubectl(['version'], { allowFail: true });
  assert.equal(r.enoent, true);
});

test('--kubeconfig and --context go on every kubectl and helm call', () => {
  const exec = new KubeExec({ kubeconfig: '/k/config', context: 'oke' });
  assert.deepEqual(exec.kubectlArgs(['get', 'pods']), ['--kubeconfig=/k/config', '--context=oke', 'get', 'pods']);
  assert.deepEqual(exec.helmArgs(['list']), ['list', '--kubeconfig=/k/config', '--kube-context=oke']);
});
