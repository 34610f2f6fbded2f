#!/usr/bin/env node
// The `carbonio` command: the compiled CLI (built by `npm ci` through the prepare script).
import('../dist/src/cli/main.js').then((m) => m.main(process.argv.slice(2))).catch((err) => {
  process.stderr.write(`carbonio: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
