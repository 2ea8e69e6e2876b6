// Loaded into every test file's process by `npm run test:unit`: a unit test that starts a server,
// runs Node (the nimble binary, the simulator) or reaches for a cluster (kubectl, helm) fails here
// with a message, so the unit set stays unit. Such a test says `nimble-test: io` near its top and
// runs with the full suite instead.
import net from 'node:net';
import cp from 'node:child_process';
import { basename } from 'node:path';
import { syncBuiltinESMExports } from 'node:module';

// The runner's own process starts the test files' processes: only those are guarded.
if (process.env.NODE_TEST_CONTEXT) {
  const hint = 'this is not a unit test: say `nimble-test: io` near the top of the file (see README, Tests)';
  // Ends the file's process at once: a thrown error could be caught by the code under test and
  // leave the test waiting for a server that never listens.
  const refuse = (what) => {
    process.stderr.write(`${what}: ${hint}\n${new Error('here').stack.split('\n').slice(2, 8).join('\n')}\n`);
    process.exit(1);
  };
  const banned = new Set(['node', basename(process.execPath), 'nimble', 'nimble.js', 'kubectl', 'helm', 'go', 'kind', 'docker']);
  const check = (cmd) => {
    const name = basename(String(cmd).trim().split(/\s+/)[0] ?? '');
    if (String(cmd) === process.execPath || banned.has(name)) refuse(`a unit test ran \`${cmd}\``);
  };
  for (const name of ['spawn', 'spawnSync', 'execFile', 'execFileSync', 'exec', 'execSync']) {
    const orig = cp[name];
    cp[name] = function guarded(cmd, args, ...rest) {
      check(cmd);
      return orig.call(this, cmd, args, ...rest);
    };
  }
  cp.fork = () => refuse('a unit test forked a Node process');
  net.Server.prototype.listen = () => refuse('a unit test started a server');
  syncBuiltinESMExports();
}
