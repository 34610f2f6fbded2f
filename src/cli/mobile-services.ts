// `carbonio mobile getServices`, `doStartService <svc>`, `doStopService <svc>`, `doRestartService <svc>`
// (carbonio-features.md 3.6) for module, activesync (activesync-services), autodiscover, abq
// (abq-services) and anti-dos. Each service prints Carbonio's fields: could_start, could_stop, running
// and, when it cannot run, could_not_start_because. `doRestartService anti-dos` frees every jailed device
// on every server process. `--json` prints the API's answer. Global admins only.
import { positional } from './args.js';
import { seg } from './client.js';
import { defineCommand, type Command } from './command.js';
import { formatTree, joinLines } from './format.js';
import { objectField, objectsField, stringField, type JsonObject } from './json.js';

/** A service's block as Carbonio prints it (its name is the block's key). */
const fieldsOf = (s: JsonObject): JsonObject => ({
  could_start: s.could_start, could_stop: s.could_stop, running: s.running, could_not_start_because: s.could_not_start_because,
});

const change = (name: 'doStartService' | 'doStopService' | 'doRestartService', action: string, summary: string): Command =>
  defineCommand('mobile', { name, positionals: ['service'], summary }, async (api, a) => {
    const r = await api.call('POST', `/mobile/services/${seg(positional(a, 'service'))}/${action}`);
    const s = objectField(r, 'service');
    const extra = typeof r.jailsReleased === 'number' ? { jailsReleased: r.jailsReleased } : {};
    return { json: r, text: joinLines(formatTree({ [stringField(s, 'name')]: { ...fieldsOf(s), ...extra } })) };
  });

export const mobileServiceCommands: readonly Command[] = [
  defineCommand('mobile', {
    name: 'getServices', positionals: [],
    summary: 'show the mobile services (module, activesync, autodiscover, abq, anti-dos) and whether they run',
  }, async (api) => {
    const r = await api.call('GET', '/mobile/services');
    const services = Object.fromEntries(objectsField(r, 'services').map((s) => [stringField(s, 'name'), fieldsOf(s)]));
    return { json: r, text: joinLines(formatTree({ services })) };
  }),
  change('doStartService', 'start', 'start a mobile service (anti-dos also needs mobileAntiDosServiceEnabled true)'),
  change('doStopService', 'stop', 'stop a mobile service on every server (activesync, autodiscover: HTTP 503; module: all of them)'),
  change('doRestartService', 'restart', 'restart a mobile service (anti-dos: frees every jailed device and resets the counts)'),
];
