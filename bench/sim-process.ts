// Starts the simulated NIM in another process (its cli-entry) and returns its URL.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface SimProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function spawnSim(args: string[]): Promise<SimProcess> {
  const entry = new URL('../src/commands/sim-entry.ts', import.meta.url).pathname;
  const node = [process.execPath, '--import', 'tsx', entry, '--port', '0', ...args];
  // NIMBLE_BENCH_SIM_CPUS=2-7 pins the simulator to those CPUs (Linux taskset), so on a machine with
  // cores to spare it stops competing with the load engine; run the bench itself under
  // `taskset -c 0-1` to pin the engine, since a child inherits its parent's CPUs otherwise.
  const cpus = process.env.NIMBLE_BENCH_SIM_CPUS;
  const [cmd, ...argv] = cpus ? ['taskset', '-c', cpus, ...node] : node;
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  const rl = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('simulator did not start within 20 s')), 20_000);
    rl.once('line', (line) => {
      clearTimeout(timer);
      const m = /listening on (http:\/\/\S+)/.exec(line);
      m ? resolve(m[1]) : reject(new Error(`unexpected first line from the simulator: ${line}`));
    });
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  rl.on('line', () => {}); // drain
  return {
    url,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}
