// The machine's own floor under any fidelity figure: one byte bounced between two Node processes
// over loopback TCP, 20 ms apart (the fidelity benchmark's inter-token time), so each side sleeps
// between messages like the simulator and the load worker do. No HTTP, no parsing, no timers on
// the echo side: what is left is the kernel, the scheduler and waking a sleeping process.
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import { createInterface } from 'node:readline';
import { summarize } from '../src/core/stats.ts';
import { fmt, figure } from './level.ts';

const ECHO = `const s=require('net').createServer(c=>{c.setNoDelay(true);c.on('data',d=>c.write(d))});s.listen(0,'127.0.0.1',()=>console.log(s.address().port))`;

export async function loopbackFloor(samples = 300, gapMs = 20): Promise<{ p50: number; p99: number; max: number }> {
  const child = spawn(process.execPath, ['-e', ECHO], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', (l) => resolve(Number(l)));
      child.once('exit', (code) => reject(new Error(`echo process exited with ${code}`)));
    });
    const sock = net.connect(port, '127.0.0.1');
    sock.setNoDelay(true);
    await new Promise<void>((r, j) => (sock.once('connect', () => r()), sock.once('error', j)));
    const rtt: number[] = [];
    for (let i = 0; i < samples + 20; i++) {
      const t = await new Promise<number>((resolve) => {
        const t0 = performance.now();
        sock.once('data', () => resolve(performance.now() - t0));
        sock.write('x');
      });
      if (i >= 20) rtt.push(t); // the first few warm up the JIT and the connection
      await new Promise((r) => setTimeout(r, gapMs));
    }
    sock.destroy();
    const { p50, p99, max } = summarize(rtt); // the engine's percentile method
    const r = { p50, p99, max };
    console.log(`\nmachine floor — 1-byte round trip between two processes over loopback, ${gapMs} ms apart (${samples} samples): p50 ${fmt(r.p50, 3)} ms, p99 ${fmt(r.p99, 3)} ms, max ${fmt(r.max, 3)} ms`);
    figure('machine floor (no target)', 'what the kernel and scheduler alone cost', `loopback round trip p50 ${fmt(r.p50, 3)} / p99 ${fmt(r.p99, 3)} / max ${fmt(r.max, 3)} ms`, null);
    return r;
  } finally {
    child.kill();
  }
}
