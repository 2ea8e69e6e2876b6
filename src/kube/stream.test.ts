import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { LineSplitter, eventCount, eventTime, parseNimLogLine, parsePortForwardLine, parseWatchLine } from './stream.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

test('LineSplitter joins lines split across chunks and keeps the unfinished tail', () => {
  const s = new LineSplitter();
  assert.deepEqual(s.push('{"a":1}\n{"b"'), ['{"a":1}']);
  assert.deepEqual(s.push(':2}\r\n\n{"c":'), ['{"b":2}']);
  assert.deepEqual(s.flush(), ['{"c":']);
  assert.deepEqual(s.flush(), []);
});

test('parseWatchLine reads every line of recorded kubectl watch output', () => {
  for (const f of ['pods.ndjson', 'events.ndjson', 'svc.ndjson']) {
    const lines = fixture(f).split('\n').filter(Boolean);
    assert.ok(lines.length > 2);
    for (const l of lines) {
      const ev = parseWatchLine(l);
      assert.ok(ev, `unparsed: ${l.slice(0, 80)}`);
      assert.match(ev.type, /ADDED|MODIFIED|DELETED/);
    }
  }
});

test('parseWatchLine ignores warnings, junk and objects that are not watch events', () => {
  assert.equal(parseWatchLine('Warning: version difference between client (1.36) and server (1.20)'), null);
  assert.equal(parseWatchLine('{"type":"ADDED"'), null);
  assert.equal(parseWatchLine('{"kind":"Pod","metadata":{"name":"x"}}'), null);
  assert.equal(parseWatchLine('{"type":"WEIRD","object":{"metadata":{"name":"x"}}}'), null);
  assert.equal(parseWatchLine('{"type":"ADDED","object":{"metadata":{"name":"p"}}}')?.object.metadata.name, 'p');
});

test('parseNimLogLine takes the text of JSON log lines from "message" and strips colour', () => {
  assert.deepEqual(parseNimLogLine('{"level":"INFO","time":"x","message":"Model workspace is now ready. It took 49.375 seconds"}'), {
    line: 'Model workspace is now ready. It took 49.375 seconds',
    level: 'INFO',
  });
  assert.deepEqual(parseNimLogLine('\x1b[32mINFO\x1b[0m Uvicorn running on http://0.0.0.0:8000'), { line: 'INFO Uvicorn running on http://0.0.0.0:8000' });
  assert.deepEqual(parseNimLogLine('{not json at all'), { line: '{not json at all' });
  assert.equal(parseNimLogLine('   '), null);
});

test('parsePortForwardLine finds the local port', () => {
  assert.deepEqual(parsePortForwardLine('Forwarding from 127.0.0.1:41234 -> 8000'), { host: '127.0.0.1', port: 41234 });
  assert.equal(parsePortForwardLine('Handling connection for 41234'), null);
});

test('event time prefers series.lastObservedTime, then lastTimestamp, then eventTime', () => {
  const base = { metadata: { name: 'e' } };
  assert.equal(eventTime({ ...base, eventTime: '2026-01-01T00:00:03Z', lastTimestamp: '2026-01-01T00:00:02Z', series: { lastObservedTime: '2026-01-01T00:00:05Z', count: 4 } }), Date.parse('2026-01-01T00:00:05Z'));
  assert.equal(eventTime({ ...base, eventTime: '2026-01-01T00:00:03Z', lastTimestamp: '2026-01-01T00:00:02Z' }), Date.parse('2026-01-01T00:00:02Z'));
  assert.equal(eventTime({ ...base, eventTime: '2026-01-01T00:00:03Z', lastTimestamp: null }), Date.parse('2026-01-01T00:00:03Z'));
  assert.equal(eventCount({ ...base, series: { count: 4 }, count: 1 }), 4);
  assert.equal(eventCount({ ...base }), 1);
});
