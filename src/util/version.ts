// nimble's version, from package.json (read once; a broken install says 'unknown').
import { readFileSync } from 'node:fs';

export const NIMBLE_VERSION: string = (() => {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
})();
