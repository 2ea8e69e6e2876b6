// A compact reporter for Node's test runner: one line a file, and the full story (failed tests with
// their errors, then what the file printed) only for files that failed. Lines a test prints that
// start with `# ` are notes for the reader (which operator ran, a measured figure): always shown.
// Node's own totals for the batch are appended as one JSON line to $NIMBLE_TEST_TOTALS, so
// scripts/run-tests.mjs can print one total over its batches.
import { appendFileSync } from 'node:fs';
import { relative } from 'node:path';
import { inspect } from 'node:util';

const OUTPUT_LINES = 60;
const SETTLE_MS = 2000;
const rel = (f) => (f ? relative(process.cwd(), f) : '(no file)');
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;

function describeError(err) {
  // A failing test's error arrives wrapped (ERR_TEST_FAILURE); its cause is what the test threw.
  if (err?.code === 'ERR_TEST_FAILURE' && (err.exitCode != null || err.signal)) {
    return `the file's process ended with ${err.signal ? `signal ${err.signal}` : `exit code ${err.exitCode}`}`;
  }
  const e = err?.code === 'ERR_TEST_FAILURE' && err.cause ? err.cause : err;
  // The runner's own frames say nothing about the failure.
  if (e instanceof Error) return inspect(e, { depth: 4, colors: false }).split('\n').filter((l) => !/^\s+at .*\(?node:(internal|async_hooks)/.test(l)).join('\n');
  return typeof e === 'string' ? e : inspect(e, { depth: 4, colors: false });
}

const indent = (text, pad) => text.split('\n').map((l) => pad + l).join('\n');

export default async function* compactReporter(source) {
  const files = new Map();
  const totals = {};
  const stateOf = (file) => {
    let s = files.get(file);
    if (!s) files.set(file, (s = { pass: 0, fail: 0, skip: 0, todo: 0, failures: [], output: [], notes: [], stack: [] }));
    return s;
  };
  const pending = new Map();
  function* flush(all) {
    for (const [file, { d, at }] of pending) {
      if (!all && Date.now() - at < SETTLE_MS) continue;
      pending.delete(file);
      yield* fileLines(d);
    }
  }
  function* fileLines(d) {
      const s = stateOf(d.file);
      const failed = s.failures.length > 0 || d.details?.error !== undefined;
      const counts = [`${s.pass} passed`, s.fail && `${s.fail} failed`, s.skip && `${s.skip} skipped`, s.todo && `${s.todo} todo`].filter(Boolean).join(', ');
      yield `${failed ? '✖' : '✔'} ${rel(d.file)}  ${counts}  ${secs(d.details?.duration_ms ?? 0)}\n`;
      if (!failed && s.notes.length) yield `${indent(s.notes.join('\n'), '    ')}\n`;
      if (failed) {
        if (!s.failures.length) s.failures.push({ name: '(the file itself)', error: d.details?.error });
        for (const f of s.failures) yield `    ✖ ${f.name}\n${indent(describeError(f.error), '      ')}\n`;
        if (s.output.length) {
          const shown = s.output.slice(-OUTPUT_LINES);
          yield `    what the file printed${s.output.length > shown.length ? ` (last ${shown.length} lines)` : ''}:\n${indent(shown.join('\n'), '      | ')}\n`;
        }
      }
      files.delete(d.file);
  }
  for await (const { type, data } of source) {
    yield* flush(false);
    const d = data ?? {};
    const isFileTest = d.file && d.name === d.file;
    if (type === 'test:start' && !isFileTest) {
      const s = stateOf(d.file);
      s.stack.length = d.nesting;
      s.stack[d.nesting] = d.name;
    } else if (type === 'test:complete' && !isFileTest && d.details?.type !== 'suite' && d.details?.passed) {
      // Counted on test:complete, not test:pass: the file's own test:complete can come before the
      // test:pass events of its tests (Node 20 reports those in declaration order, later).
      const s = stateOf(d.file);
      if (d.skip !== undefined) s.skip++;
      else if (d.todo !== undefined) s.todo++;
      else s.pass++;
    } else if (type === 'test:complete' && !isFileTest && d.details?.type !== 'suite') {
      const s = stateOf(d.file);
      if (d.todo !== undefined) s.todo++;
      else {
        s.fail++;
        const path = [...s.stack.slice(0, d.nesting), d.name].join(' › ');
        s.failures.push({ name: path, error: d.details?.error });
      }
    } else if (type === 'test:stdout' || type === 'test:stderr') {
      const s = stateOf(d.file);
      for (const line of String(d.message).replace(/\n$/, '').split('\n')) {
        s.output.push(line);
        if (type === 'test:stdout' && line.startsWith('# ') && s.notes.length < OUTPUT_LINES) s.notes.push(line);
      }
      if (s.output.length > OUTPUT_LINES * 2) s.output.splice(0, s.output.length - OUTPUT_LINES);
    } else if (type === 'test:complete' && isFileTest) {
      // Node 20 can report a file's own completion before its tests' events (they arrive just
      // after): the file's line waits a moment for them.
      pending.set(d.file, { d, at: Date.now() });
    } else if (type === 'test:diagnostic' && !d.file) {
      // The runner's own totals for this batch, one `name value` a message.
      const m = /^(\w+) ([\d.]+)$/.exec(String(d.message));
      if (m) totals[m[1]] = Number(m[2]);
    }
  }
  yield* flush(true);
  if (process.env.NIMBLE_TEST_TOTALS) appendFileSync(process.env.NIMBLE_TEST_TOTALS, JSON.stringify(totals) + '\n');
  else yield `${Object.entries(totals).map(([k, v]) => `# ${k} ${v}`).join('\n')}\n`;
}
