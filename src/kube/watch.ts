// Long-running kubectl streams: `kubectl get -w --output-watch-events -o json` (respawned when
// kubectl exits, as it does when the server closes the watch) and `kubectl logs -f`.

import type { Diagnosis } from '../core/cluster.ts';
import { classifyCliError, diagnoseCliError } from './diagnose.ts';
import type { KubeExec } from './exec.ts';
import type { KubeObject } from './k8s-types.ts';
import { LineSplitter, parseWatchLine, type WatchEvent } from './stream.ts';

export interface WatchOptions<T extends KubeObject = KubeObject> {
  /** For logs and debugging: 'pods', 'events', ... */
  name: string;
  /** kubectl get arguments before the watch flags, e.g. ['pods', '-n', ns, '-l', sel]. */
  args: string[];
  /** Events of the kind `args` names (T). */
  onEvent: (ev: WatchEvent<T>) => void;
  /** kubectl failed in a way respawning cannot fix (Unauthorized, Forbidden, unreachable for long). */
  onFatal?: (dx: Diagnosis) => void;
  /** Forbidden is not fatal for optional watches (e.g. nodes for a namespace-only user). */
  optional?: boolean;
  respawnDelayMs?: number;
  /** Consecutive failed starts tolerated before an unreachable server is fatal. */
  maxFailures?: number;
  onSpawn?: (name: string, pid: number | undefined) => void;
}

export interface Watch {
  readonly name: string;
  /** How many times kubectl was started (1 + respawns). */
  readonly starts: number;
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

export function startWatch<T extends KubeObject = KubeObject>(exec: KubeExec, o: WatchOptions<T>): Watch {
  let stopped = false;
  let starts = 0;
  let failures = 0;
  let child: ReturnType<KubeExec['spawnKubectl']> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let exited: Promise<void> = Promise.resolve();
  const delay = o.respawnDelayMs ?? 500;

  const spawn = () => {
    if (stopped) return;
    starts++;
    const p = exec.spawnKubectl(['get', ...o.args, '--watch', '--output-watch-events', '-o', 'json']);
    child = p;
    o.onSpawn?.(o.name, p.pid);
    const split = new LineSplitter();
    let stderr = '';
    let gotData = false;
    p.stdout?.on('data', (chunk: Buffer) => {
      for (const line of split.push(chunk)) {
        const ev = parseWatchLine<T>(line);
        if (ev && ev.type !== 'BOOKMARK' && ev.type !== 'ERROR') {
          gotData = true;
          o.onEvent(ev);
        }
      }
    });
    p.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString();
      if (stderr.length > 20_000) stderr = stderr.slice(-10_000);
    });
    exited = p.then((r) => {
      for (const line of split.flush()) {
        const ev = parseWatchLine<T>(line);
        if (ev && ev.type !== 'BOOKMARK' && ev.type !== 'ERROR') o.onEvent(ev);
      }
      child = null;
      if (stopped) return;
      const code = r.exitCode ?? 1;
      const err = exec.redact(stderr);
      if (code === 0 || gotData) failures = 0;
      else failures++;
      if (code !== 0) {
        const kind = classifyCliError(err, { enoent: r.code === 'ENOENT' });
        exec.log('kubectl', `watch ${o.name} exited ${code}: ${err.trim().split('\n').slice(-1)[0] ?? ''}`);
        const fatalNow = kind === 'auth-expired' || kind === 'missing-binary' || kind === 'bad-context' || (kind === 'forbidden' && !o.optional);
        if (kind === 'forbidden' && o.optional) return; // optional stream: live without it
        if (fatalNow || failures >= (o.maxFailures ?? 8)) {
          o.onFatal?.(diagnoseCliError('kubectl', err, { enoent: r.code === 'ENOENT' }));
          return;
        }
      } else {
        exec.log('kubectl', `watch ${o.name} closed; restarting`);
      }
      // Back off a little on repeated failures; the respawned watch re-lists (replays are deduped).
      timer = setTimeout(spawn, Math.min(delay * 2 ** Math.max(0, failures - 1), 5_000));
    });
  };
  spawn();

  return {
    name: o.name,
    get starts() {
      return starts;
    },
    get pid() {
      return child?.pid;
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      const c = child;
      if (c) {
        c.kill('SIGTERM');
        const t = setTimeout(() => c.kill('SIGKILL'), 2_000);
        await exited.catch(() => {});
        clearTimeout(t);
      }
    },
  };
}

/** Where NIM log lines come from; tests replace it (a control plane without kubelet has no logs). */
export type LogSource = (pod: string, container: string, onLine: (line: string) => void, signal: AbortSignal) => Promise<void>;

/** `kubectl logs -f`: resolves when the stream ends; an unavailable log is only logged, never fatal. */
export function kubectlLogSource(exec: KubeExec, namespace: string): LogSource {
  return async (pod, container, onLine, signal) => {
    // Right after "Started" the log endpoint may not answer yet: retry a few times, then give up quietly.
    for (let attempt = 1; attempt <= 4 && !signal.aborted; attempt++) {
      const p = exec.spawnKubectl(['logs', '-f', `pod/${pod}`, '-c', container, '-n', namespace, '--tail=200']);
      const onAbort = () => p.kill('SIGTERM');
      signal.addEventListener('abort', onAbort, { once: true });
      const split = new LineSplitter();
      let stderr = '';
      let got = false;
      p.stdout?.on('data', (c: Buffer) => split.push(c).forEach((l) => ((got = true), onLine(l))));
      p.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
      const r = await p;
      split.flush().forEach(onLine);
      signal.removeEventListener('abort', onAbort);
      if (signal.aborted || !r.exitCode || got) return;
      const why = exec.redact(stderr).trim().split('\n').pop() ?? '';
      if (!/waiting to start|ContainerCreating|not available|container .* not found|try again/i.test(why) || attempt === 4) {
        exec.log('kubectl', `logs of ${pod} unavailable (the timeline still follows pod status): ${why}`);
        return;
      }
      await new Promise((res) => setTimeout(res, 1_500 * attempt));
    }
  };
}
