#!/usr/bin/env node
// nimble runs straight from its TypeScript sources through tsx (a runtime dependency), so there is
// no build step between `npm ci` and the first run. Worker threads get the same loader explicitly.
import { register } from 'tsx/esm/api';
register();
await import('../src/cli/main.tsx');
