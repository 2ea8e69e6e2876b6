// The edge: every kubectl/helm process nimble starts goes through here, with argument arrays
// (never a shell), the user's --kubeconfig/--context on every call, an environment without the
// NGC key, and every line it logs or throws passed through the secret redactor first.

import { execa, type ResultPromise } from 'execa';
import type { Diagnosis } from '../core/cluster.ts';
import { diagnoseCliError } from './diagnose.ts';

export type LogSink = (source: string, line: string) => void;

export interface ExecOptions {
  kubectl?: string;
  helm?: string;
  kubeconfig?: string;
  context?: string;
  /** Values to scrub from logs and errors (the NGC key). */
  secrets?: () => string[];
  log?: LogSink;
  /** Sees every process started (file + argv): the secret-leak test records them. */
  onSpawn?: (file: string, args: readonly string[]) => void;
  /** Base environment (default process.env); NGC_API_KEY and any value equal to a secret are dropped. */
  env?: NodeJS.ProcessEnv;
}

export interface RunOptions {
  input?: string;
  /** Resolve with the failed result instead of throwing. */
  allowFail?: boolean;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Log the command line (default true). */
  quiet?: boolean;
}

export interface RunResult { exitCode: number; stdout: string; stderr: string; enoent: boolean }

export class KubeCommandError extends Error {
  constructor(readonly diagnosis: Diagnosis, readonly result: RunResult) {
    super(`${diagnosis.title}: ${diagnosis.evidence}`);
    this.name = 'KubeCommandError';
  }
}

export function redactor(secrets: () => string[]): (s: string) => string {
  return (s: string) => {
    let out = s;
    for (const k of secrets()) {
      if (!k || k.length < 4) continue;
      // Longest first: the registry auth's base64 contains the key's own base64.
      for (const form of [Buffer.from(`$oauthtoken:${k}`).toString('base64'), Buffer.from(k).toString('base64'), k]) {
        out = out.split(form).join('***');
      }
    }
    return out;
  };
}

export class KubeExec {
  readonly kubectlBin: string;
  readonly helmBin: string;
  readonly redact: (s: string) => string;
  private readonly env: NodeJS.ProcessEnv;

  constructor(readonly o: ExecOptions) {
    this.kubectlBin = o.kubectl ?? 'kubectl';
    this.helmBin = o.helm ?? 'helm';
    this.redact = redactor(o.secrets ?? (() => []));
    const secrets = o.secrets?.() ?? [];
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(o.env ?? process.env)) {
      if (k === 'NGC_API_KEY' || k === 'NGC_CLI_API_KEY' || (v !== undefined && secrets.includes(v))) continue;
      env[k] = v;
    }
    this.env = env;
  }

  kubectlArgs(args: readonly string[]): string[] {
    const g: string[] = [];
    if (this.o.kubeconfig) g.push(`--kubeconfig=${this.o.kubeconfig}`);
    if (this.o.context) g.push(`--context=${this.o.context}`);
    return [...g, ...args];
  }

  helmArgs(args: readonly string[]): string[] {
    const g: string[] = [];
    if (this.o.kubeconfig) g.push(`--kubeconfig=${this.o.kubeconfig}`);
    if (this.o.context) g.push(`--kube-context=${this.o.context}`);
    return [...args, ...g];
  }

  log(source: string, line: string) {
    this.o.log?.(source, this.redact(line));
  }

  kubectl(args: readonly string[], ro: RunOptions = {}): Promise<RunResult> {
    return this.run('kubectl', this.kubectlBin, this.kubectlArgs(args), ro);
  }

  helm(args: readonly string[], ro: RunOptions = {}): Promise<RunResult> {
    return this.run('helm', this.helmBin, this.helmArgs(args), ro);
  }

  /** Parse stdout as JSON (kubectl/helm -o json), throwing a clear error otherwise. */
  async kubectlJson<T = unknown>(args: readonly string[], ro: RunOptions = {}): Promise<T> {
    const r = await this.kubectl(args, { quiet: true, ...ro });
    return parseJson<T>('kubectl', args, r.stdout);
  }

  private async run(tool: string, file: string, args: string[], ro: RunOptions): Promise<RunResult> {
    this.o.onSpawn?.(file, args);
    if (!ro.quiet) this.log(tool, `$ ${tool} ${args.join(' ')}`);
    const r = await execa(file, args, {
      reject: false,
      input: ro.input ?? '',
      env: this.env,
      extendEnv: false,
      cancelSignal: ro.signal,
      timeout: ro.timeoutMs,
      stripFinalNewline: true,
    });
    const res: RunResult = {
      exitCode: r.exitCode ?? (r.failed ? 1 : 0),
      stdout: String(r.stdout ?? ''),
      stderr: this.redact(String(r.stderr ?? '')),
      enoent: r.code === 'ENOENT',
    };
    if (res.exitCode !== 0 || r.failed) {
      if (res.exitCode === 0) res.exitCode = 1;
      if (ro.signal?.aborted) throw abortErr(ro.signal);
      if (!ro.quiet) for (const l of res.stderr.split('\n').filter(Boolean).slice(-5)) this.log(tool, l);
      if (!ro.allowFail) throw new KubeCommandError(diagnoseCliError(tool, res.stderr, { enoent: res.enoent }), res);
    }
    return res;
  }

  /** A long-running process (watch, logs -f, port-forward). The caller owns it and must kill it. */
  spawnKubectl(args: readonly string[]): KubectlProcess {
    const full = this.kubectlArgs(args);
    this.o.onSpawn?.(this.kubectlBin, full);
    this.log('kubectl', `$ kubectl ${full.join(' ')} (streaming)`);
    return execa(this.kubectlBin, full, { reject: false, env: this.env, extendEnv: false, buffer: false, stdin: 'ignore' });
  }
}

/** A streaming kubectl (watch, port-forward): execa's child, which is not a node ChildProcess type. */
export type KubectlProcess = ResultPromise;

export function parseJson<T>(tool: string, args: readonly string[], text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`${tool} ${args.slice(0, 3).join(' ')} did not print JSON (got: ${text.slice(0, 120)})`);
  }
}

function abortErr(signal: AbortSignal): Error {
  const r = signal.reason;
  if (r instanceof Error) return r;
  const e = new Error(typeof r === 'string' ? r : 'aborted');
  e.name = 'AbortError';
  return e;
}
