// The command table: one handler per command, by family (one file each). State checks are in session.ts;
// IDLE, STARTTLS and AUTHENTICATE, which drive the connection itself, are run there too.
import type { Command } from '../protocol/types.js';
import type { ImapSession } from '../session.js';
import { capability, enable, id, logout, namespace, noop } from './any.js';
import { append } from './append.js';
import { login } from './auth.js';
import { copy } from './copy.js';
import { fetch } from './fetch.js';
import { create, list, lsub, remove, rename, status, subscribe } from './mailboxes.js';
import { search } from './search.js';
import { close, expunge, select } from './select.js';
import { store } from './store.js';
import { bad, type Done } from './types.js';

export type { Done } from './types.js';

export function dispatch(s: ImapSession, cmd: Command): Promise<Done> {
  switch (cmd.name) {
    case 'CAPABILITY': return capability(s);
    case 'NOOP': case 'CHECK': return noop(cmd.name);
    case 'LOGOUT': return logout(s);
    case 'ID': return id(s, cmd);
    case 'ENABLE': return enable(s, cmd);
    case 'NAMESPACE': return namespace(s);
    case 'LOGIN': return login(s, cmd);
    case 'SELECT': case 'EXAMINE': return select(s, cmd);
    case 'CREATE': return create(s, cmd);
    case 'DELETE': return remove(s, cmd);
    case 'RENAME': return rename(s, cmd);
    case 'SUBSCRIBE': case 'UNSUBSCRIBE': return subscribe(s, cmd.mailbox, cmd.name === 'SUBSCRIBE');
    case 'LIST': return list(s, cmd);
    case 'LSUB': return lsub(s, cmd);
    case 'STATUS': return status(s, cmd);
    case 'APPEND': return append(s, cmd);
    case 'CLOSE': return close(s, 'CLOSE');
    case 'UNSELECT': return close(s, 'UNSELECT');
    case 'EXPUNGE': return expunge(s, cmd);
    case 'SEARCH': return search(s, cmd);
    case 'FETCH': return fetch(s, cmd);
    case 'STORE': return store(s, cmd);
    case 'COPY': case 'MOVE': return copy(s, cmd);
    default: return Promise.resolve(bad(`${cmd.name} is not handled here`));
  }
}
