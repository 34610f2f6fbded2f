// `carbonio help [module]`: every command with its grammar, built from the command specs so the
// help cannot drift from what the parser accepts.
import { usageLine, UsageError } from './args.js';
import type { Command } from './command.js';
import { DEFAULT_ADMIN_URL } from './client.js';

export interface Module {
  name: string;
  title: string;
  commands: readonly Command[];
}

function moduleHelp(m: Module): string[] {
  const lines = [`${m.name}: ${m.title}`];
  for (const c of m.commands) {
    const aliases = c.spec.aliases?.length ? ` (alias: ${c.spec.aliases.join(', ')})` : '';
    lines.push(`  ${usageLine(c.spec)}`, `      ${c.spec.summary}${aliases}`);
  }
  return lines;
}

export function helpText(modules: readonly Module[], only?: Module): string {
  const lines = [
    'Usage: carbonio <module> <command> <arguments> [key value ...] [--json]',
    '',
    '  carbonio serve                 start the server',
    '  carbonio --version             print the version',
    '  carbonio help [<module>]       print this help',
    '  carbonio login <url> <email>   save a login for this CLI (password asked, or read from stdin)',
    '  carbonio logout                revoke and remove the saved login',
    '',
  ];
  for (const m of only ? [only] : modules) lines.push(...moduleHelp(m), '');
  lines.push(
    'Options:',
    "  --json   print the admin API's JSON answer instead of text (anywhere on the line;",
    '           words after a lone -- are never taken as options)',
    '',
    'Environment:',
    `  CARBONIO_ADMIN_URL        the server's admin API (default: the saved login's, else ${DEFAULT_ADMIN_URL})`,
    '  CARBONIO_ADMIN_USER       admin email, with CARBONIO_ADMIN_PASSWORD',
    '  CARBONIO_ADMIN_PASSWORD   alone: the password of admin@<CARBONIO_DEFAULT_DOMAIN> (default example.com)',
    '  Without them: the login saved by carbonio login (~/.config/carbonio/cli.json), then',
    '  <CARBONIO_DATA_DIR>/admin-credentials (email, then password; default ./data, then the installation\'s data)',
    '',
    'Exit status: 0 done, 1 refused or failed, 2 usage error, 3 server not reachable.',
  );
  return `${lines.join('\n')}\n`;
}

export function moduleUsage(m: Module): string {
  return `carbonio ${m.name} <command> ... (see: carbonio help ${m.name})`;
}

/**
 * `carbonio <module>` or `carbonio <module> <group>` (`mobile ABQ`, `auth credential`): a usage error
 * listing the commands of that module or group; null when the words name no group.
 */
export function missingCommand(m: Module, rest: readonly string[]): UsageError | null {
  const prefix = [m.name, ...rest].map((w) => w.toLowerCase());
  const group = m.commands.filter((c) => {
    const path = c.spec.path.toLowerCase().split(' ');
    return path.length > prefix.length && prefix.every((w, i) => path[i] === w);
  });
  if (group.length === 0) return null;
  const name = group[0]?.spec.path.split(' ').slice(0, prefix.length).join(' ') ?? m.name;
  const lines = [`${name} commands:`, ...group.flatMap((c) => [`  ${usageLine(c.spec)}`, `      ${c.spec.summary}`])];
  return new UsageError(`missing command for ${name}`, `carbonio ${name} <command> ... (see: carbonio help ${m.name})`, `${lines.join('\n')}\n`);
}
