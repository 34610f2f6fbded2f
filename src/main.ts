// `npm start` (`node dist/src/main.js`): the server process (serve.ts), nothing else. The `carbonio` CLI
// starts the same function with `carbonio serve`.
import './core/v8-flags.js'; // first: V8 settings before anything else loads
import { pathToFileURL } from 'node:url';
import { errorMessage } from './core/errors.js';
import { serve } from './serve.js';

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  serve().catch((err: unknown) => {
    process.stderr.write(`carbonio: could not start: ${errorMessage(err)}\n`);
    process.exit(1);
  });
}
