// The `carbonio` command (bin/carbonio.js): `serve`, `--version`, `help`, and the `prov` and `auth`
// modules, which are pure HTTP clients of the admin API. Exit status: 0 done, 1 refused or failed,
// 2 usage error, 3 server not reachable. Errors are one `ERROR: ...` line on stderr.
import '../core/v8-flags.js'; // first: V8 settings before anything else loads (`carbonio serve`)
import { errorMessage } from '../core/errors.js';
import { VERSION } from '../version.js';
import { parseCommandArgs, usageLine, UsageError } from './args.js';
import { authCommands } from './auth.js';
import { authLockoutCommands } from './auth-lockout.js';
import { auditCommands } from './audit.js';
import { backupCommands } from './backup.js';
import { UnreachableError, type Env } from './client.js';
import { clientFromEnv } from './discovery.js';
import { loginCommand } from './login.js';
import { findCommand } from './command.js';
import { configCommands } from './config.js';
import { mailboxCommands } from './mailbox.js';
import { formatJson } from './format.js';
import { mobileAbqCommands } from './mobile-abq.js';
import { mobileDeviceActionCommands } from './mobile-device-actions.js';
import { mobileDeviceCommands } from './mobile-devices.js';
import { mobileEasFilterCommands } from './mobile-eas-filters.js';
import { mobileFolderCommands } from './mobile-folders.js';
import { mobileLoggerCommands } from './mobile-loggers.js';
import { mobileProvisioningCommands } from './mobile-provisioning.js';
import { mobileServiceCommands } from './mobile-services.js';
import { mobileSessionCommands } from './mobile-sessions.js';
import { mobileSimulateCommands } from './mobile-simulate.js';
import { provCommands } from './prov.js';
import { readPassword } from './prompt.js';
import { tlsCommands } from './tls.js';
import { helpText, missingCommand, moduleUsage, type Module } from './usage.js';
import { errorJson } from './errors-json.js';

export const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3 } as const;

export const modules: readonly Module[] = [
  { name: 'prov', title: 'domains, accounts, passwords and admin roles', commands: provCommands },
  { name: 'auth', title: 'service credentials (mobile passwords, QR codes) and failed-login lockouts', commands: [...authCommands, ...authLockoutCommands] },
  {
    name: 'mobile',
    title: 'ActiveSync devices, provisioning, remote wipe, folder exclusion, EAS filters, account loggers, services, ABQ, simulated sync',
    commands: [
      ...mobileDeviceCommands, ...mobileDeviceActionCommands, ...mobileProvisioningCommands, ...mobileSessionCommands, ...mobileFolderCommands,
      ...mobileEasFilterCommands,
      ...mobileLoggerCommands,
      ...mobileServiceCommands,
      ...mobileAbqCommands,
      ...mobileSimulateCommands,
    ],
  },
  { name: 'mailbox', title: 'contacts, calendars and mail in and out (vCard, iCalendar, mbox, Maildir)', commands: mailboxCommands },
  { name: 'config', title: 'settings changeable while running (push tuning, anti-DoS)', commands: configCommands },
  { name: 'audit', title: 'the audit trail of changes made through the admin API, the CLI and the user page', commands: auditCommands },
  { name: 'backup', title: 'online backup of the SQLite store, verify, restore (PostgreSQL: pg_dump, see the README)', commands: backupCommands },
  { name: 'tls', title: 'certificates (a self-signed pair for testing)', commands: tlsCommands },
];

export interface Io {
  env: Env;
  stdout(text: string): void;
  stderr(text: string): void;
  /** For `carbonio login`: asks for the password (prompt.ts); absent when nothing can be read. */
  readPassword?: (prompt: string) => Promise<string>;
  /** Progress lines are redrawn in place on a terminal only. */
  stderrIsTTY?: boolean;
}

const HELP_WORDS = new Set(['help', '--help', '-h']);
const VERSION_WORDS = new Set(['--version', '-v', 'version']);

/** Global options: `--json` (and `--help`) anywhere before a lone `--`; any other `--word` there is a usage error. */
function splitOptions(argv: readonly string[]): { words: string[]; json: boolean; help: boolean } {
  const words: string[] = [];
  let json = false;
  let help = false;
  let literal = false;
  argv.forEach((w, i) => {
    if (literal) words.push(w);
    else if (w === '--') literal = true;
    else if (w === '--json') json = true;
    else if (w === '--help' && i > 0) help = true;
    else if (w.startsWith('--') && i > 0) {
      throw new UsageError(`unknown option "${w}" (put a lone -- before arguments that begin with --)`, 'carbonio help');
    } else words.push(w);
  });
  return { words, json, help };
}

/** Loaded only for `serve`: the other commands are HTTP clients and need none of the server's modules. */
async function serve(): Promise<void> {
  const { serve: start } = await import('../serve.js');
  await start();
}

/** Runs one command line and returns its exit status (`serve` returns once the server is up). */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  // Known before parsing, so that even a usage error in the options is reported as JSON.
  const end = argv.indexOf('--');
  const jsonErrors = (end === -1 ? argv : argv.slice(0, end)).includes('--json');
  try {
    const { words, json, help } = splitOptions(argv);
    const first = words[0];
    if (first === undefined) {
      // A bare `carbonio` is a usage error that shows the help (exit 2), not a request for it.
      io.stderr(helpText(modules));
      return EXIT.usage;
    }
    const login = loginCommand(first);
    if (login) {
      const out = await login(io, words.slice(1));
      io.stdout(json ? formatJson(out.json) : out.text);
      return EXIT.ok;
    }
    if (HELP_WORDS.has(first) || (help && !modules.some((m) => m.name === first.toLowerCase()))) {
      const only = modules.find((m) => m.name === words[1]?.toLowerCase());
      if (words[1] !== undefined && !only) throw new UsageError(`no module "${words[1]}" (modules: ${modules.map((m) => m.name).join(', ')})`, 'carbonio help');
      io.stdout(helpText(modules, only));
      return EXIT.ok;
    }
    if (VERSION_WORDS.has(first) && words.length === 1) {
      io.stdout(`${VERSION}\n`);
      return EXIT.ok;
    }
    if (first === 'serve') {
      if (words.length > 1) throw new UsageError('serve takes no arguments', 'carbonio serve');
      await serve();
      return EXIT.ok;
    }
    const mod = modules.find((m) => m.name === first.toLowerCase());
    if (!mod) throw new UsageError(`unknown command "${first}"`, 'carbonio help');
    const rest = words.slice(1);
    const found = findCommand(mod.commands, words);
    if ((rest.length === 1 && HELP_WORDS.has(rest[0] ?? '')) || (help && !found)) {
      io.stdout(helpText(modules, mod));
      return EXIT.ok;
    }
    if (help && found) {
      io.stdout(`Usage: ${usageLine(found.command.spec)}\n    ${found.command.spec.summary}\n`);
      return EXIT.ok;
    }
    if (!found) {
      const missing = missingCommand(mod, rest);
      if (missing) throw missing;
      const depth = (mod.commands[0]?.spec.path.split(' ').length ?? 2) - 1;
      const named = rest.slice(0, depth).join(' ');
      throw new UsageError(`unknown ${mod.name} command "${named}"`, moduleUsage(mod));
    }
    const args = parseCommandArgs(found.command.spec, found.rest);
    const out = await found.command.run(clientFromEnv(io.env), args, { env: io.env, stderr: (t) => io.stderr(t), stderrIsTTY: io.stderrIsTTY ?? false });
    io.stdout(json ? formatJson(out.json) : out.text);
    return EXIT.ok;
  } catch (err) {
    return reportError(err, io, jsonErrors);
  }
}

function exitCode(err: unknown): number {
  if (err instanceof UsageError) return EXIT.usage;
  if (err instanceof UnreachableError) return EXIT.unreachable;
  // ApiError (the server refused), ConfigError (a bad CARBONIO_* value) and anything unexpected alike.
  return EXIT.failed;
}

/** Text: one `ERROR: ...` line on stderr (plus usage); `--json`: `{"error": {code, message}}` on stdout. */
function reportError(err: unknown, io: Io, json: boolean): number {
  const message = errorMessage(err).replace(/[\r\n]+/g, ' ');
  if (json) {
    io.stdout(formatJson(errorJson(err, message)));
    return exitCode(err);
  }
  io.stderr(`ERROR: ${message}\n`);
  if (err instanceof UsageError) {
    if (err.usage) io.stderr(`Usage: ${err.usage}\n`);
    if (err.detail) io.stderr(err.detail);
  }
  return exitCode(err);
}

export async function main(argv: string[]): Promise<void> {
  const code = await run(argv, {
    env: process.env,
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    readPassword: (prompt) => readPassword(prompt),
    stderrIsTTY: process.stderr.isTTY,
  });
  if (code !== EXIT.ok) process.exitCode = code;
}
