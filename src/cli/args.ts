// Carbonio's command-line grammar: `carbonio <module> <command> <positional args> [key value ...]`.
// A command declares its positionals and the keys it accepts; anything else is a usage error
// (exit 2) that carries the command's one-line usage.

export class UsageError extends Error {
  override readonly name = 'UsageError';
  /** `detail`: more text after the usage line (the commands of a module when the command is missing). */
  constructor(message: string, readonly usage: string | null = null, readonly detail: string | null = null) {
    super(message);
  }
}

export interface KeySpec {
  name: string;
  /** Placeholder shown in the usage line, e.g. `<label>` or `true|false`. */
  value: string;
}

export interface CommandSpec {
  /** Words before the command's arguments, e.g. `prov createAccount` or `auth credential add`. */
  path: string;
  aliases?: readonly string[];
  /** Required positionals, in order (names are shown as `<name>`). */
  positionals: readonly string[];
  /** Optional positionals after the required ones (taken while the next word is not a known key). */
  optional?: readonly string[];
  /** Any number of further words (`getAccount <email> [<attr>...]`), in ParsedArgs.rest; not with keys. */
  rest?: string;
  keys?: readonly KeySpec[];
  /** At least this many `key value` pairs (modifyAccount, credential update). */
  minPairs?: number;
  /** Usage shows `<k1|k2> <value> [...]` (zmprov's modifyAccount) instead of `[k1 <v>] [k2 <v>]`. */
  pairForm?: boolean;
  summary: string;
}

export interface ParsedArgs {
  positionals: Map<string, string>;
  options: Map<string, string>;
  /** The words of CommandSpec.rest (empty when it has none). */
  rest: string[];
}

/**
 * A command with a `verbose` key also takes zmprov's `-v` for `verbose true`, anywhere after its name
 * (`getAllAccounts -v a.test`, `getDeviceInfo -v joe@a.test PHONE1`).
 */
export const VERBOSE_FLAG = '-v';
const hasVerbose = (spec: CommandSpec): boolean => (spec.keys ?? []).some((k) => k.name === 'verbose');

export function usageLine(spec: CommandSpec): string {
  const parts = [`carbonio ${spec.path}`];
  for (const p of spec.positionals) parts.push(`<${p}>`);
  for (const p of spec.optional ?? []) parts.push(`[<${p}>]`);
  if (spec.rest !== undefined) parts.push(`[<${spec.rest}>...]`);
  if (spec.pairForm) {
    const names = (spec.keys ?? []).map((k) => k.name).join('|');
    parts.push(`<${names}> <value> [...]`);
  } else {
    for (const k of spec.keys ?? []) parts.push(k.name === 'verbose' ? `[${VERBOSE_FLAG}|verbose ${k.value}]` : `[${k.name} ${k.value}]`);
  }
  return parts.join(' ');
}

/** Splits a command's words into its positionals and `key value` options, checking them against the spec. */
export function parseCommandArgs(spec: CommandSpec, all: readonly string[]): ParsedArgs {
  const usage = usageLine(spec);
  const keys = new Set((spec.keys ?? []).map((k) => k.name));
  const flagged = hasVerbose(spec) && all.includes(VERBOSE_FLAG);
  const words = flagged ? all.filter((w) => w !== VERBOSE_FLAG) : all;
  const positionals = new Map<string, string>();
  let i = 0;
  for (const name of spec.positionals) {
    const w = words[i++];
    if (w === undefined) throw new UsageError(`missing <${name}>`, usage);
    if (w === '') throw new UsageError(`<${name}> must not be empty`, usage);
    positionals.set(name, w);
  }
  for (const name of spec.optional ?? []) {
    const w = words[i];
    if (w === undefined || keys.has(w)) break;
    if (w === '') throw new UsageError(`<${name}> must not be empty`, usage);
    positionals.set(name, w);
    i++;
  }
  const options = new Map<string, string>();
  if (flagged) options.set('verbose', 'true');
  if (spec.rest !== undefined) {
    const rest = words.slice(i);
    if (rest.includes('')) throw new UsageError(`<${spec.rest}> must not be empty`, usage);
    return { positionals, options, rest };
  }
  while (i < words.length) {
    const key = words[i++] ?? '';
    if (!keys.has(key)) {
      const known = [...keys].join(', ');
      throw new UsageError(known ? `unknown key "${key}" (known: ${known})` : `unexpected argument "${key}"`, usage);
    }
    const value = words[i++];
    if (value === undefined) throw new UsageError(`missing value for key "${key}"`, usage);
    if (options.has(key)) throw new UsageError(key === 'verbose' && flagged ? `${VERBOSE_FLAG} and verbose both given` : `key "${key}" given twice`, usage);
    options.set(key, value);
  }
  if (spec.minPairs !== undefined && options.size < spec.minPairs) throw new UsageError('nothing to change: give at least one key and value', usage);
  return { positionals, options, rest: [] };
}

/** A positional that parseCommandArgs guaranteed to be there. */
export function positional(args: ParsedArgs, name: string): string {
  const v = args.positionals.get(name);
  if (v === undefined) throw new Error(`internal: positional <${name}> not parsed`);
  return v;
}

export function parseBool(value: string, what: string, usage: string | null = null): boolean {
  const v = value.toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new UsageError(`${what} must be true or false, not "${value}"`, usage);
}

/** `imap,pop3` -> ['imap', 'pop3']; names go to the server as typed, it validates them. */
export function parseList(value: string, what: string, usage: string | null = null): string[] {
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new UsageError(`${what} must list at least one value`, usage);
  return items;
}
