// `carbonio prov ...`: domains, accounts, passwords and admin roles, with zmprov's names and short
// aliases. Output follows zmprov where it has one (create prints the new id, getAll* one name per
// line); getAccount prints the account as a key/value tree; the others print one success line.
import { parseBool, positional, UsageError, type ParsedArgs } from './args.js';
import { seg } from './client.js';
import { defineCommand, type Command, type Output } from './command.js';
import { formatTree, joinLines, linesOrNone, scalarText } from './format.js';
import { isObject, objectField, objectsField, stringField, type JsonObject } from './json.js';

const ACCOUNT_STATUSES = ['active', 'locked', 'closed'] as const;

const PROFILE_FIELDS = ['firstName', 'lastName', 'title', 'company', 'department', 'office', 'phone', 'mobilePhone', 'homePhone'] as const;

/** zmprov's attribute names that map cleanly onto ours (the zimbraMobilePolicy* ones live in mobile setProvisioning). */
const ZMPROV_ALIASES: Readonly<Record<string, string>> = { zimbraAccountStatus: 'status', givenName: 'firstName', sn: 'lastName' };

/** What getAccount can select: the account's fields and its address-book fields. */
const ACCOUNT_ATTRS = ['id', 'email', 'domain', 'displayName', 'status', 'mobileSyncEnabled', 'isGlobalAdmin', 'delegatedDomains', 'createdAt', ...PROFILE_FIELDS];

/** An attribute name as typed (any case, or a zmprov alias) -> ours; null when unknown. */
function canonicalAttr(name: string): string | null {
  const lower = name.toLowerCase();
  const alias = Object.entries(ZMPROV_ALIASES).find(([k]) => k.toLowerCase() === lower);
  if (alias) return alias[1];
  return ACCOUNT_ATTRS.find((a) => a.toLowerCase() === lower) ?? null;
}

/** getAccount's selected attributes, under the names typed (zmprov's when given), in the order typed; unset ones left out. */
function selectAttrs(account: JsonObject, names: readonly string[], usage: string): JsonObject {
  const profile = isObject(account.profile) ? account.profile : {};
  const out: JsonObject = {};
  for (const name of names) {
    const attr = canonicalAttr(name);
    if (attr === null) throw new UsageError(`unknown attribute "${name}" (known: ${[...ACCOUNT_ATTRS, ...Object.keys(ZMPROV_ALIASES)].join(', ')})`, usage);
    const value = (PROFILE_FIELDS as readonly string[]).includes(attr) ? profile[attr] : account[attr];
    if (value !== undefined && value !== null) out[name] = value;
  }
  return out;
}

const out = (json: unknown, ...lines: string[]): Output => ({ json, text: joinLines(lines) });

const command = (spec: Parameters<typeof defineCommand>[1], run: Parameters<typeof defineCommand>[2]): Command => defineCommand('prov', spec, run);

const accountOf = (r: JsonObject): JsonObject => objectField(r, 'account');

const VERBOSE = { name: 'verbose', value: 'true|false' };
const verboseOf = (a: ParsedArgs, usage: string): boolean => {
  const v = a.options.get('verbose');
  return v === undefined ? false : parseBool(v, 'verbose', usage);
};

/** zmprov's `-v` listing: every record's fields as getAccount prints them, records separated by an empty line. */
const blocks = (records: readonly JsonObject[], noun: string): string[] =>
  linesOrNone(records.flatMap((x, i) => [...(i > 0 ? [''] : []), ...formatTree(x)]), noun);
const emailOf = (r: JsonObject): string => scalarText(stringField(accountOf(r), 'email'));

export const provCommands: readonly Command[] = [
  command({ name: 'createDomain', aliases: ['cd'], positionals: ['domain'], summary: 'create a domain; prints its id' }, async (api, a) => {
    const r = await api.call('POST', '/domains', { name: positional(a, 'domain') });
    return out(r, scalarText(stringField(objectField(r, 'domain'), 'id')));
  }),

  command({
    name: 'getAllDomains', aliases: ['gad'], positionals: [], keys: [VERBOSE],
    summary: 'list the domains you may manage, one per line (-v: with their id and creation time)',
  }, async (api, a, usage) => {
    const r = await api.call('GET', '/domains');
    const domains = objectsField(r, 'domains');
    if (verboseOf(a, usage)) return out(r, ...blocks(domains, 'domains'));
    return out(r, ...linesOrNone(domains.map((d) => scalarText(stringField(d, 'name'))), 'domains'));
  }),

  command({ name: 'deleteDomain', aliases: ['dd'], positionals: ['domain'], summary: 'delete a domain' }, async (api, a) => {
    const r = await api.call('DELETE', `/domains/${seg(positional(a, 'domain'))}`);
    return out(r, `Domain ${scalarText(stringField(r, 'deleted'))} deleted`);
  }),

  command({
    name: 'createAccount', aliases: ['ca'], positionals: ['email', 'password'], keys: [{ name: 'displayName', value: '<name>' }],
    summary: 'create an account; prints its id',
  }, async (api, a) => {
    const displayName = a.options.get('displayName');
    const r = await api.call('POST', '/accounts', {
      email: positional(a, 'email'), password: positional(a, 'password'), ...(displayName !== undefined ? { displayName } : {}),
    });
    return out(r, scalarText(stringField(accountOf(r), 'id')));
  }),

  command({
    name: 'getAccount', aliases: ['ga'], positionals: ['email'], rest: 'attr',
    summary: 'show an account, or only the attributes named (zmprov names too: zimbraAccountStatus, givenName, sn)',
  }, async (api, a, usage) => {
    // The names are checked before the call: a typo is a usage error even when the server is down.
    if (a.rest.length > 0) selectAttrs({}, a.rest, usage);
    const r = await api.call('GET', `/accounts/${seg(positional(a, 'email'))}`);
    if (a.rest.length === 0) return { json: r, text: joinLines(formatTree(accountOf(r))) };
    const selected = selectAttrs(accountOf(r), a.rest, usage);
    return { json: { account: { email: accountOf(r).email, ...selected } }, text: joinLines(formatTree(selected)) };
  }),

  command({
    name: 'getAllAccounts', aliases: ['gaa'], positionals: [], optional: ['domain'], keys: [VERBOSE],
    summary: 'list accounts (of one domain), one email per line (-v: every field of each, as getAccount)',
  }, async (api, a, usage) => {
    const domain = a.positionals.get('domain');
    const verbose = verboseOf(a, usage);
    const r = await api.call('GET', `/accounts${domain !== undefined ? `?domain=${encodeURIComponent(domain)}` : ''}`);
    const accounts = objectsField(r, 'accounts');
    if (verbose) return out(r, ...blocks(accounts, 'accounts'));
    return out(r, ...linesOrNone(accounts.map((x) => scalarText(stringField(x, 'email'))), 'accounts'));
  }),

  command({ name: 'setPassword', aliases: ['sp'], positionals: ['email', 'password'], summary: "set an account's main password" }, async (api, a) => {
    const r = await api.call('PUT', `/accounts/${seg(positional(a, 'email'))}/password`, { password: positional(a, 'password') });
    return out(r, `Password of ${emailOf(r)} changed`);
  }),

  command({
    name: 'modifyAccount', aliases: ['ma'], positionals: ['email'], minPairs: 1, pairForm: true,
    keys: [
      { name: 'displayName', value: '<name>' }, { name: 'status', value: 'active|locked|closed' }, { name: 'mobileSyncEnabled', value: 'true|false' },
      ...PROFILE_FIELDS.map((name) => ({ name, value: '<text>' })),
      ...Object.keys(ZMPROV_ALIASES).map((name) => ({ name, value: '<value>' })),
    ],
    summary: 'change displayName, status (active|locked|closed), mobileSyncEnabled (true|false) or an address-book field (title, company, phone...; "" removes it); zmprov\'s zimbraAccountStatus, givenName and sn are accepted',
  }, async (api, a, usage) => {
    const body: JsonObject = {};
    for (const [typed, value] of a.options) {
      const key = ZMPROV_ALIASES[typed] ?? typed;
      if (key in body) throw new UsageError(`${key} given twice (as ${typed} and as ${key})`, usage);
      if (key === 'status') {
        if (!(ACCOUNT_STATUSES as readonly string[]).includes(value)) throw new UsageError(`status must be one of ${ACCOUNT_STATUSES.join(', ')}, not "${value}"`, usage);
        body.status = value;
      } else if (key === 'mobileSyncEnabled') {
        body.mobileSyncEnabled = parseBool(value, key, usage);
      } else {
        body[key] = value;
      }
    }
    const r = await api.call('PATCH', `/accounts/${seg(positional(a, 'email'))}`, body);
    return out(r, `Account ${emailOf(r)} modified`);
  }),

  command({ name: 'deleteAccount', aliases: ['da'], positionals: ['email'], summary: 'delete an account and its data' }, async (api, a) => {
    const r = await api.call('DELETE', `/accounts/${seg(positional(a, 'email'))}`);
    return out(r, `Account ${scalarText(stringField(r, 'deleted'))} deleted`);
  }),

  command({ name: 'grantDelegatedAdmin', positionals: ['email', 'domain'], summary: 'make an account delegated admin of a domain' }, async (api, a) => {
    const domain = positional(a, 'domain');
    const r = await api.call('PUT', `/accounts/${seg(positional(a, 'email'))}/delegated-domains/${seg(domain)}`);
    return out(r, `Delegated admin of ${scalarText(domain.toLowerCase())} granted to ${emailOf(r)}`);
  }),

  command({ name: 'revokeDelegatedAdmin', positionals: ['email', 'domain'], summary: 'revoke the delegated admin role on a domain' }, async (api, a) => {
    const domain = positional(a, 'domain');
    const r = await api.call('DELETE', `/accounts/${seg(positional(a, 'email'))}/delegated-domains/${seg(domain)}`);
    return out(r, `Delegated admin of ${scalarText(domain.toLowerCase())} revoked from ${emailOf(r)}`);
  }),

  command({ name: 'setGlobalAdmin', positionals: ['email', 'true|false'], summary: 'grant or revoke the global admin role' }, async (api, a, usage) => {
    const value = parseBool(positional(a, 'true|false'), 'the global admin flag', usage);
    const r = await api.call('PUT', `/accounts/${seg(positional(a, 'email'))}/global-admin`, { value });
    return out(r, `Global admin of ${emailOf(r)} set to ${value}`);
  }),
];
