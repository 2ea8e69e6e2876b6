#!/usr/bin/env node
// nimble's bin. It runs the bundled JavaScript in dist/ (built by `npm run build`, which `npm ci`
// runs through `prepare`), so a command starts without compiling TypeScript or resolving hundreds of
// module files. From a checkout whose
// sources are newer than the build (or with NIMBLE_FROM_SOURCE=1) it runs src/ through tsx instead,
// so an edit is never hidden behind a stale build. Worker threads follow the same choice.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

// gc() for long runs (src/util/heap.ts): on before any worker thread starts, so each has it.
// `node --no-expose-gc bin/nimble.js` leaves V8 to collect on its own (bench soak-rss compares).
if (!process.execArgv.some((a) => /^--(no-)?expose[-_]gc$/.test(a))) setFlagsFromString('--expose-gc');

const root = new URL('..', import.meta.url);
const stamp = new URL('dist/.build-stamp', root);

function buildIsCurrent() {
  if (process.env.NIMBLE_FROM_SOURCE === '1' || !existsSync(stamp)) return false;
  const built = statSync(stamp).mtimeMs;
  const src = new URL('src/', root);
  // ~200 files: a few milliseconds, cheaper than one stale run.
  for (const f of readdirSync(src, { recursive: true })) {
    if (statSync(new URL(f, src)).mtimeMs > built) return false;
  }
  return true;
}

if (buildIsCurrent()) {
  await import('../dist/main.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.tsx');
}
