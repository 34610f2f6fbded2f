// What a CLI command is: its grammar (CommandSpec) and a run function that calls the admin API
// and returns both renderings of the result, the API's JSON (`--json`) and Carbonio-style text.
import { usageLine, type CommandSpec, type ParsedArgs } from './args.js';
import type { AdminClient, Env } from './client.js';

export interface Output {
  /** What `--json` prints: the API's answer. */
  json: unknown;
  /** What is printed otherwise, lines ending in a newline. */
  text: string;
}

/** What a command may use besides the admin API: the environment (local commands, e.g. `backup restore`) and stderr for progress. */
export interface CommandIo {
  env: Env;
  stderr(text: string): void;
  /** Whether stderr is a terminal (a progress line is then redrawn in place). */
  stderrIsTTY: boolean;
}

export interface Command {
  spec: CommandSpec;
  run(api: AdminClient, args: ParsedArgs, io: CommandIo): Promise<Output>;
}

/** The command named by the first words of `words` (exact name or alias, case-insensitive), and the words after it. */
export function findCommand(commands: readonly Command[], words: readonly string[]): { command: Command; rest: string[] } | null {
  for (const command of commands) {
    const path = command.spec.path.split(' ');
    const last = path.length - 1;
    const names = [path[last] ?? '', ...(command.spec.aliases ?? [])].map((n) => n.toLowerCase());
    const match = path.every((p, i) => {
      const w = words[i]?.toLowerCase();
      return i === last ? w !== undefined && names.includes(w) : w === p.toLowerCase();
    });
    if (match) return { command, rest: words.slice(path.length) };
  }
  return null;
}

/** A command named `<prefix> <name>`; its run function also gets the one-line usage, for its own usage errors. */
export function defineCommand(
  prefix: string,
  spec: Omit<CommandSpec, 'path'> & { name: string },
  run: (api: AdminClient, args: ParsedArgs, usage: string, io: CommandIo) => Promise<Output>,
): Command {
  const { name, ...rest } = spec;
  const full: CommandSpec = { ...rest, path: `${prefix} ${name}` };
  const usage = usageLine(full);
  return { spec: full, run: (api, args, io) => run(api, args, usage, io) };
}
