// `carbonio mobile getActiveSessions [account <email>]` (the old NG CLI's name): the requests devices
// hold open right now (Ping, Sync with a wait) with account, device, command, since and heartbeat.
// Held requests belong to one server process: the output names the process that answered, and with
// several processes behind a balancer each must be asked. `--json` prints the API's answer.
import { seg } from './client.js';
import { defineCommand, type Command } from './command.js';
import { joinLines, listTree, scalarText } from './format.js';
import { objectField, objectsField, type JsonObject } from './json.js';

const block = (s: JsonObject): JsonObject => ({
  account: s.account,
  device: s.device,
  command: s.command,
  since: s.since,
  heartbeat: s.heartbeat,
});

export const mobileSessionCommands: readonly Command[] = [
  defineCommand('mobile', {
    name: 'getActiveSessions', positionals: [], keys: [{ name: 'account', value: '<email>' }],
    summary: 'list the requests devices hold open (Ping, Sync with a wait) on the server process answering',
  }, async (api, a) => {
    const account = a.options.get('account');
    const r = await api.call('GET', `/sessions${account !== undefined ? `?account=${seg(account)}` : ''}`);
    const server = objectField(r, 'server');
    const sessions = objectsField(r, 'sessions');
    const header = `server ${scalarText(String(server.hostname))} pid ${scalarText(String(server.pid))} (held requests are per server process)`;
    const body = listTree('sessions', sessions.map(block));
    return { json: r, text: joinLines([header, ...body]) };
  }),
];
