// `npm run bench`: every benchmark in its own process (so one's heap and JIT do not colour the next).
// Set CARBONIO_TEST_PG_URL to include the PostgreSQL figures.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const benches = ['verify.js', 'auth-login.js', 'wbxml.js', 'wbxml-fuzz.js', 'pim-files.js', 'email-class.js', 'smtp-delivery.js', 'eas-requests.js', 'eas-checks.js', 'sync.js', 'sync-window.js', 'ping-hold.js', 'multi-node.js', 'search.js', 'admin-devices.js', 'sendmail.js', 'contacts-sync.js', 'calendar-sync.js', 'tls.js', 'admin-page.js', 'pop3.js', 'imap.js', 'fleet.js'];
// Arguments per benchmark: the fleet runs one minute here (5 minutes per database on its own: `node dist/bench/fleet.js`).
const args: Record<string, string[]> = { 'fleet.js': ['--seconds', '60'] };
let failed = 0;
for (const b of benches) {
  console.log(`\n== ${b}`);
  const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(new URL(b, import.meta.url)), ...(args[b] ?? [])], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
