// The rules of EAS version filters (issue 15, Carbonio's `doAddEASFilter <type> <parameter> ...`,
// carbonio-features.md 3.3): what a rule is, how the CLI/API parameter reads, how a stored rule is
// decoded, compiled once into a matcher, and printed the way Carbonio prints it.
//   contains <text>    the User-Agent contains the text (case-insensitive)
//   regex <pattern>    the User-Agent matches the JavaScript regular expression (case-insensitive)
//   account <email>    the authenticated account is this one (case-insensitive)
//   domain <name>      the authenticated account is in this domain (case-insensitive)
//   always *           every request (Carbonio's sample shows `[type = always]`)
//   and|or <list>      all / any of the sub-rules of a comma list of `type:value`, e.g.
//                      `contains:outlook/,contains:microsoft.outlook`; a comma or backslash inside a value
//                      is written `\,` / `\\`; `always` takes no value. Nesting is not part of the grammar.
import { StoreError } from '../core/errors.js';

export type LeafType = 'contains' | 'regex' | 'account' | 'domain';
export type RuleType = LeafType | 'always' | 'and' | 'or';

export type Rule =
  | { type: 'always' }
  | { type: LeafType; value: string }
  | { type: 'and' | 'or'; rules: Rule[] };

export const RULE_TYPES: readonly RuleType[] = ['and', 'or', 'regex', 'contains', 'account', 'domain', 'always'];
const LEAF_TYPES: readonly string[] = ['contains', 'regex', 'account', 'domain'];
const MAX_VALUE = 1024;
const MAX_SUBRULES = 32;
/** User agents are matched on their first 1,024 characters: a bound on what a regex has to scan. */
export const MAX_AGENT_MATCHED = 1024;

/** A compiled rule; its argument holds the lower-cased user agent, email and domain, computed once per request. */
export type Matcher = (r: { agent: string; email: string; domain: string }) => boolean;

const invalid = (message: string): StoreError => new StoreError('invalid', message);

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/i;

/** Checks one leaf value; returns it in the form it is stored (emails and domains lower-cased). */
function leaf(type: LeafType, value: string): Rule {
  if (value === '') throw invalid(`the ${type} rule needs a value`);
  if (value.length > MAX_VALUE) throw invalid(`the ${type} rule's value is longer than ${MAX_VALUE} characters`);
  switch (type) {
    case 'regex':
      try {
        new RegExp(value, 'i');
      } catch (err) {
        throw invalid(`invalid regular expression "${value}": ${err instanceof Error ? err.message : String(err)}`);
      }
      return { type, value };
    case 'account':
      if (!EMAIL.test(value)) throw invalid(`"${value}" is not an account address (local@domain)`);
      return { type, value: value.toLowerCase() };
    case 'domain':
      if (!DOMAIN.test(value)) throw invalid(`"${value}" is not a domain name`);
      return { type, value: value.toLowerCase() };
    case 'contains':
      return { type, value };
  }
}

/** Splits `a,b\,c` on the commas that are not escaped, undoing `\,` and `\\`. */
function splitList(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && i + 1 < s.length && (s[i + 1] === ',' || s[i + 1] === '\\')) cur += s[++i];
    else if (c === ',') { out.push(cur); cur = ''; } else cur += c;
  }
  out.push(cur);
  return out;
}

function subRule(item: string): Rule {
  const t = item.trim();
  if (t.toLowerCase() === 'always') return { type: 'always' };
  const colon = t.indexOf(':');
  const type = colon < 0 ? '' : t.slice(0, colon).trim().toLowerCase();
  if (!LEAF_TYPES.includes(type)) {
    throw invalid(`sub-rule "${item}" must be type:value with type contains, regex, account or domain (or always), e.g. contains:outlook/`);
  }
  return leaf(type as LeafType, t.slice(colon + 1));
}

/** The rule the CLI/API's `<type> <parameter>` describe; StoreError 'invalid' with the reason otherwise. */
export function parseRule(type: string, parameter: string): Rule {
  const t = type.trim().toLowerCase();
  switch (t) {
    case 'always':
      if (parameter.trim() !== '*') throw invalid('the always rule takes "*" as its parameter');
      return { type: 'always' };
    case 'and':
    case 'or': {
      const items = splitList(parameter);
      if (items.length < 2) throw invalid(`an ${t} rule needs at least two comma-separated sub-rules, e.g. contains:outlook/,contains:microsoft.outlook`);
      if (items.length > MAX_SUBRULES) throw invalid(`an ${t} rule takes at most ${MAX_SUBRULES} sub-rules`);
      return { type: t, rules: items.map(subRule) };
    }
    default:
      if (!LEAF_TYPES.includes(t)) throw invalid(`unknown rule type "${type}" (known: ${RULE_TYPES.join(', ')})`);
      return leaf(t as LeafType, parameter);
  }
}

/** A stored rule (JSON text) back as a Rule; null when it is not one (never written by this code). */
export function decodeRule(json: string): Rule | null {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return null;
  }
  return ruleOf(v, 0);
}

function ruleOf(v: unknown, depth: number): Rule | null {
  if (typeof v !== 'object' || v === null || depth > 4) return null;
  const o = v as Record<string, unknown>;
  if (o.type === 'always') return { type: 'always' };
  if ((o.type === 'and' || o.type === 'or') && Array.isArray(o.rules)) {
    const rules = o.rules.map((r) => ruleOf(r, depth + 1));
    return rules.every((r): r is Rule => r !== null) && rules.length > 0 ? { type: o.type, rules } : null;
  }
  if (typeof o.type === 'string' && LEAF_TYPES.includes(o.type) && typeof o.value === 'string') {
    try {
      return leaf(o.type as LeafType, o.value);
    } catch {
      return null;
    }
  }
  return null;
}

/** The matcher of a rule, regexes compiled once here rather than per request. */
export function compileRule(rule: Rule): Matcher {
  switch (rule.type) {
    case 'always': return () => true;
    case 'contains': {
      const needle = rule.value.toLowerCase();
      return (r) => r.agent.includes(needle);
    }
    case 'regex': {
      // `i` rather than the lower-cased agent: the pattern may name upper-case classes (\S, \W).
      const re = new RegExp(rule.value, 'i');
      return (r) => re.test(r.agent);
    }
    case 'account': {
      const email = rule.value;
      return (r) => r.email === email;
    }
    case 'domain': {
      const domain = rule.value;
      return (r) => r.domain === domain;
    }
    case 'and': {
      const parts = rule.rules.map(compileRule);
      return (r) => parts.every((m) => m(r));
    }
    case 'or': {
      const parts = rule.rules.map(compileRule);
      return (r) => parts.some((m) => m(r));
    }
  }
}

/** Carbonio's rendering, e.g. `[type = or; rules = [[type = contains; rule = outlook/] OR [type = contains; rule = microsoft.outlook]]]`. */
export function describeRule(rule: Rule): string {
  switch (rule.type) {
    case 'always': return '[type = always]';
    case 'and':
    case 'or':
      return `[type = ${rule.type}; rules = [${rule.rules.map(describeRule).join(rule.type === 'and' ? ' AND ' : ' OR ')}]]`;
    default:
      return `[type = ${rule.type}; rule = ${rule.value}]`;
  }
}

/** The accounts and domains a rule names, so the API can check they exist. */
export function namedTargets(rule: Rule): { accounts: string[]; domains: string[] } {
  const out = { accounts: [] as string[], domains: [] as string[] };
  const walk = (r: Rule): void => {
    if (r.type === 'account') out.accounts.push(r.value);
    else if (r.type === 'domain') out.domains.push(r.value);
    else if (r.type === 'and' || r.type === 'or') r.rules.forEach(walk);
  };
  walk(rule);
  return out;
}
