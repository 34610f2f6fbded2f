// Carbonio's text output: an indented key/value tree. A scalar is `key value`; a nested object is a
// line with its key, then its fields indented by 4 more spaces; a list of objects is the key, then
// each element as an indented block (blocks separated by an empty line); a list of scalars is
// comma-joined. Null and undefined fields are left out. Control characters in values are escaped
// so that data typed by someone else cannot drive the admin's terminal.

const INDENT = '    ';

type Scalar = string | number | boolean | bigint;

const isScalar = (v: unknown): v is Scalar =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One value as printed: numbers (epoch ms timestamps included) as is, control characters escaped. */
export function scalarText(v: Scalar): string {
  return String(v).replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function line(indent: string, key: string, value?: string): string {
  return value === undefined || value === '' ? `${indent}${key}` : `${indent}${key} ${value}`;
}

function formatValue(key: string, v: unknown, indent: string, out: string[]): void {
  if (v === null || v === undefined) return;
  if (isScalar(v)) {
    out.push(line(indent, key, scalarText(v)));
  } else if (Array.isArray(v)) {
    if (v.every(isScalar)) {
      out.push(line(indent, key, v.map(scalarText).join(',')));
      return;
    }
    out.push(line(indent, key));
    let first = true;
    for (const item of v) {
      if (item === null || item === undefined) continue;
      if (isRecord(item)) {
        if (!first) out.push('');
        formatFields(item, indent + INDENT, out);
      } else if (isScalar(item)) {
        out.push(`${indent}${INDENT}${scalarText(item)}`);
      } else {
        formatValue('-', item, indent + INDENT, out);
      }
      first = false;
    }
  } else if (isRecord(v)) {
    out.push(line(indent, key));
    formatFields(v, indent + INDENT, out);
  }
  // Functions and symbols never come from JSON: nothing to print.
}

function formatFields(o: Record<string, unknown>, indent: string, out: string[]): void {
  for (const [k, v] of Object.entries(o)) formatValue(k, v, indent, out);
}

/** The tree of an object's fields, in their insertion order, one string per line. */
export function formatTree(o: Record<string, unknown>, indent = 0): string[] {
  const out: string[] = [];
  formatFields(o, INDENT.repeat(indent), out);
  return out;
}

/** Lines joined for printing, with a final newline (empty output stays empty). */
export function joinLines(lines: readonly string[]): string {
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** The `--json` rendering: the API's answer, pretty-printed with 2 spaces. */
export function formatJson(v: unknown): string {
  return `${JSON.stringify(v, null, 2)}\n`;
}

/**
 * A list under its key (Carbonio's header, e.g. `devices`), as formatTree prints it; an empty list
 * keeps the header and says so on the next line (`    no devices`), never a bare header.
 */
export function listTree(key: string, items: readonly unknown[], noun: string = key, indent = 0): string[] {
  if (items.length > 0) return formatTree({ [key]: items }, indent);
  const pad = INDENT.repeat(indent);
  return [`${pad}${key}`, `${pad}${INDENT}no ${noun}`];
}

/** Plain lines (one name per line, zmprov's getAll*), or one `no <noun>` line when there are none. */
export const linesOrNone = (lines: readonly string[], noun: string): string[] => (lines.length > 0 ? [...lines] : [`no ${noun}`]);
