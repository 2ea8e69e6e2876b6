// Entry of every nimble worker thread: registers tsx in this thread (loader hooks are per thread
// on Node 20), then loads the TypeScript module named after the script path.
import { register } from 'tsx/esm/api';
register();
await import(process.argv[2]);
