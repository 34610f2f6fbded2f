// `carbonio auth credential add|list|update|delete`: service credentials (mobile passwords, QR
// codes), with Carbonio Auth's grammar and output. The clear-text password is printed by `add`
// only (the one time the server sends it); list and update print the credential's fields, which
// never include it.
import { parseBool, parseList, positional, type ParsedArgs } from './args.js';
import { seg } from './client.js';
import { defineCommand, type Command } from './command.js';
import { formatTree, joinLines, listTree, scalarText } from './format.js';
import { isObject, objectField, objectsField, stringField, type JsonObject } from './json.js';

const command = (spec: Parameters<typeof defineCommand>[1], run: Parameters<typeof defineCommand>[2]): Command => defineCommand('auth credential', spec, run);

/**
 * A credential in Carbonio's field order, under the API's names (the same in text and `--json`: Carbonio's
 * `created` is epoch ms, ours ISO like every time, as `createdAt`); fields are picked, so nothing secret can
 * slip in.
 */
function credentialBlock(c: JsonObject): JsonObject {
  return {
    generated: c.generated,
    createdAt: c.createdAt,
    label: c.label,
    id: c.id,
    services: c.services,
    enabled: c.enabled,
    qrcode: c.qrcode,
    lastUsedAt: c.lastUsedAt ?? 'never',
  };
}

const credentialsPath = (a: ParsedArgs): string => `/accounts/${seg(positional(a, 'account'))}/credentials`;

const SERVICE = { name: 'service', value: '<s1[,s2...]>' };

export const authCommands: readonly Command[] = [
  command({
    name: 'add', positionals: ['account'],
    keys: [{ name: 'password', value: '<password>' }, { name: 'label', value: '<label>' }, { name: 'qrcode', value: 'true|false' }, SERVICE],
    summary: 'add a service credential (password generated when not given); prints its password once',
  }, async (api, a, usage) => {
    const body: JsonObject = {};
    const password = a.options.get('password');
    if (password !== undefined) body.password = password;
    const label = a.options.get('label');
    if (label !== undefined) body.label = label;
    const qrcode = a.options.get('qrcode');
    if (qrcode !== undefined) body.qrcode = parseBool(qrcode, 'qrcode', usage);
    const services = a.options.get('service');
    if (services !== undefined) body.services = parseList(services, 'service', usage);
    const r = await api.call('POST', credentialsPath(a), body);
    const textData = objectField(r, 'text_data');
    const tree: JsonObject = {
      list: credentialBlock(objectField(r, 'credential')),
      text_data: { auth_method: textData.auth_method, password: textData.password, user: textData.user },
    };
    const qr = r.qr;
    if (isObject(qr)) tree.qr = { payload: stringField(qr, 'payload') };
    return { json: r, text: joinLines(['Credential correctly added', ...formatTree(tree)]) };
  }),

  command({ name: 'list', positionals: ['account'], summary: "list an account's credentials (never their passwords)" }, async (api, a) => {
    const r = await api.call('GET', credentialsPath(a));
    return { json: r, text: joinLines(listTree('list', objectsField(r, 'credentials').map(credentialBlock), 'credentials')) };
  }),

  command({
    name: 'update', positionals: ['account', 'password_id'], minPairs: 1,
    keys: [{ name: 'label', value: '<label>' }, { name: 'enabled', value: 'true|false' }, SERVICE],
    summary: "change a credential's label, enabled flag or services",
  }, async (api, a, usage) => {
    const body: JsonObject = {};
    const label = a.options.get('label');
    if (label !== undefined) body.label = label;
    const enabled = a.options.get('enabled');
    if (enabled !== undefined) body.enabled = parseBool(enabled, 'enabled', usage);
    const services = a.options.get('service');
    if (services !== undefined) body.services = parseList(services, 'service', usage);
    const r = await api.call('PATCH', `${credentialsPath(a)}/${seg(positional(a, 'password_id'))}`, body);
    const c = objectField(r, 'credential');
    return { json: r, text: joinLines([`Credential ${scalarText(stringField(c, 'id'))} updated`, ...formatTree({ values: credentialBlock(c) })]) };
  }),

  command({ name: 'delete', positionals: ['account', 'password_id'], summary: 'delete (revoke) a credential' }, async (api, a) => {
    const r = await api.call('DELETE', `${credentialsPath(a)}/${seg(positional(a, 'password_id'))}`);
    return { json: r, text: `Credential ${scalarText(stringField(r, 'deleted'))} deleted\n` };
  }),
];
