// `carbonio help [module]`: every command with its grammar, built from the command specs so the
// help cannot drift from what the parser accepts.
import { usageLine } from './args.js';
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
    '',
  ];
  for (const m of only ? [only] : modules) lines.push(...moduleHelp(m), '');
  lines.push(
    'Options:',
    "  --json   print the admin API's JSON answer instead of text (anywhere on the line;",
    '           words after a lone -- are never taken as options)',
    '',
    'Environment:',
    `  CARBONIO_ADMIN_URL        the server's admin API (default ${DEFAULT_ADMIN_URL})`,
    '  CARBONIO_ADMIN_USER       admin email, with CARBONIO_ADMIN_PASSWORD; when both are unset they are',
    '  CARBONIO_ADMIN_PASSWORD   read from <CARBONIO_DATA_DIR>/admin-credentials (email, then password)',
    '  CARBONIO_DATA_DIR         the data directory (default ./data)',
    '',
    'Exit status: 0 done, 1 refused or failed, 2 usage error, 3 server not reachable.',
  );
  return `${lines.join('\n')}\n`;
}

export function moduleUsage(m: Module): string {
  return `carbonio ${m.name} <command> ... (see: carbonio help ${m.name})`;
}
