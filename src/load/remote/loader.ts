// The loader: nimble's own load engine as a process of its own, for a pod next to the NIM (bundled
// into loader.mjs + worker.mjs, run by a public node image) or a local child process. It listens on
// one TCP port for one coordinator at a time; the coordinator sends levels and it streams progress
// and samples back, measured on this process's monotonic clock only.
//
//   node loader.mjs [--listen PORT] [--host ADDR] [--idle-exit SECONDS]
//
// Environment: JOB_COMPLETION_INDEX (set by an indexed Job) or NIMBLE_LOADER_INDEX: this loader's
// number; NIMBLE_LOADER_HOSTS="name=ip,…": resolve these target hosts to these addresses (for a
// target whose DNS name only resolves elsewhere). Nothing secret comes through argv or env: the
// API key, if any, arrives over the connection and lives in memory.
import { createServer, type Socket } from 'node:net';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { LoadEngine } from '../engine.ts';
import type { LevelRun } from '../engine.ts';
import type { WorkerInit } from '../protocol.ts';
import { encodeSamples, LOADER_PORT, lineReader, mapHost, PROTOCOL_VERSION, send, toUs, type ToLoader } from './wire.ts';

const { values } = parseArgs({
  options: { listen: { type: 'string' }, host: { type: 'string' }, 'idle-exit': { type: 'string' } },
  strict: true,
});
const port = Number(values.listen ?? process.env.NIMBLE_LOADER_PORT ?? LOADER_PORT);
const host = values.host ?? '0.0.0.0';
const idleExitMs = Number(values['idle-exit'] ?? 600) * 1000;
const index = Number(process.env.JOB_COMPLETION_INDEX ?? process.env.NIMBLE_LOADER_INDEX ?? 0);
// Bundled (loader.mjs), the worker is the sibling worker.mjs; from source, engine.ts finds worker.ts.
const workerUrl = import.meta.url.endsWith('.mjs') ? new URL('./worker.mjs', import.meta.url) : undefined;

function out(obj: object): void {
  process.stdout.write(JSON.stringify({ ...obj, loader: index }) + '\n');
}

let current: Socket | null = null;
let engine: LoadEngine | null = null;
let run: { id: number; handle: LevelRun } | null = null;
let idleTimer: NodeJS.Timeout | null = null;

function armIdle(): void {
  if (idleTimer) clearTimeout(idleTimer);
  // No coordinator for a while (it crashed, or its port-forward died): end, so a pod stops billing.
  idleTimer = setTimeout(() => void shutdown(`no coordinator for ${idleExitMs / 1000} s`), idleExitMs);
}

async function endEngine(): Promise<void> {
  run?.handle.stop('coordinator gone');
  run = null;
  const e = engine;
  engine = null;
  await e?.close();
}

async function shutdown(why: string): Promise<void> {
  out({ event: 'exit', why });
  await endEngine();
  current?.end();
  process.exit(0);
}

function onMessage(socket: Socket, msg: ToLoader): void {
  if (msg.t === 'init') {
    void endEngine().then(() => {
      const init: WorkerInit = { ...msg.init, baseUrl: mapHost(msg.init.baseUrl) };
      engine = new LoadEngine(init, (level, line) => send(socket, { t: 'log', level, line }), workerUrl);
      out({ event: 'init', target: new URL(init.baseUrl).origin, maxConnections: init.maxConnections });
      send(socket, { t: 'ready' });
    });
  } else if (msg.t === 'level') {
    if (!engine) return void send(socket, { t: 'error', message: 'level before init' });
    const id = msg.cfg.id;
    const handle = engine.runLevel({ ...msg.cfg, exportSamples: true }, (p) => {
      if (p.samples) p.samples = { ...p.samples, ttft: toUs(p.samples.ttft), overSla: toUs(p.samples.overSla) };
      send(socket, { t: 'progress', p: { ...p, id } });
    });
    run = { id, handle };
    handle.result.then(
      ({ m, samples }) => {
        if (run?.id === id) run = null;
        send(socket, { t: 'measured', id, m, samples: samples ? encodeSamples(samples) : null });
      },
      (err: Error) => send(socket, { t: 'error', message: err.message }),
    );
  } else if (msg.t === 'stop') {
    if (run && run.id === msg.id) run.handle.stop(msg.reason);
  } else if (msg.t === 'exit') {
    void shutdown('coordinator asked');
  }
}

const server = createServer((socket) => {
  if (current) {
    socket.end(JSON.stringify({ t: 'error', message: 'this loader already has a coordinator' }) + '\n');
    return;
  }
  current = socket;
  if (idleTimer) clearTimeout(idleTimer);
  socket.setNoDelay(true);
  out({ event: 'connected' });
  send(socket, { t: 'hello', version: PROTOCOL_VERSION, index, pid: process.pid, cpus: cpus().length, node: process.version });
  socket.on(
    'data',
    lineReader(
      (m) => onMessage(socket, m as ToLoader),
      (e) => {
        send(socket, { t: 'error', message: e });
        socket.destroy();
      },
    ),
  );
  socket.on('error', () => {});
  socket.on('close', () => {
    if (current === socket) current = null;
    out({ event: 'disconnected' });
    void endEngine();
    armIdle();
  });
});
server.listen(port, host, () => {
  const addr = server.address();
  out({ event: 'listening', port: typeof addr === 'object' && addr ? addr.port : port });
  armIdle();
});
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
