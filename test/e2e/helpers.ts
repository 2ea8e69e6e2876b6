// Running the real binary from tests: once to completion (output collected), or `nimble sim` as a
// long-lived server in its own process, as a user would start it in a second shell.
import { spawn } from 'node:child_process';

export const BIN = new URL('../../bin/nimble.js', import.meta.url).pathname;

export interface BinResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The real binary, asynchronously (a simulator in this process keeps serving meanwhile); killed after timeoutMs. */
export function runNimble(args: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 240_000): Promise<BinResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Whether a process of that id is still running. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface SimProcess {
  /** The simulator's base URL, e.g. http://127.0.0.1:41234 (no /v1). */
  url: string;
  stop(): Promise<void>;
}

/** `nimble sim --port 0 …` in its own process; resolves once it prints the address it listens on. */
export async function startSimProcess(extraArgs: string[] = []): Promise<SimProcess> {
  const sim = spawn(process.execPath, [BIN, 'sim', '--port', '0', ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((r) => sim.once('exit', () => r()));
  const stop = async () => {
    if (sim.exitCode === null && sim.signalCode === null) sim.kill('SIGTERM');
    await exited;
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`sim did not start within 30 s: ${out}`)), 30_000);
      sim.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`sim exited with ${code} before listening: ${out}`));
      });
      sim.stdout.on('data', (d) => {
        out += d;
        const m = /listening on (http:\/\/[^\s]+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
    });
    return { url, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
