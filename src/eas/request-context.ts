// The context of one EAS request as http.ts builds it (MS-ASHTTP 2.2.1: the request line's user, device
// and command). A class, not an object literal: the request's logger is made when first used (most
// requests never log through it, and a held Ping would keep an unused pino child for up to an hour),
// and a getter in a literal turns the object's properties into a dictionary of some 850 bytes
// (issue 16 part 2). A copy made by spreading (`{ ...ctx }`) has no `log`: copy it by name.
import type { Logger } from '../core/logger.js';
import type { Account, Device } from '../store/types.js';
import type { EasContext, EasDeps } from './command.js';
import type { ClientSignal } from './client-gone.js';
import type { EasQuery } from './query.js';
import type { WbxmlElement } from './wbxml/index.js';

/** What http.ts knows of the request; `log` is made from `parentLog` when first used. */
export type RequestContextInit = Omit<EasContext, 'log' | 'onRequestTree'> & {
  /** The logger the request's own logger is a child of. */
  parentLog: Logger;
  /** The command's name, for the request's log lines. */
  command: string;
};

export class RequestContext implements EasContext {
  readonly deps: EasDeps;
  readonly account: Account;
  readonly device: Device;
  readonly persistentDevice: boolean;
  readonly query: EasQuery;
  readonly version: number;
  readonly remoteAddress: string;
  readonly userAgent: string;
  readonly signal: ClientSignal;
  onRequestTree?: (root: WbxmlElement | null) => void;
  private requestLog: Logger | null = null;
  private readonly parentLog: Logger;
  private readonly command: string;

  constructor(init: RequestContextInit) {
    this.deps = init.deps;
    this.account = init.account;
    this.device = init.device;
    this.persistentDevice = init.persistentDevice;
    this.query = init.query;
    this.version = init.version;
    this.remoteAddress = init.remoteAddress;
    this.userAgent = init.userAgent;
    this.signal = init.signal;
    this.parentLog = init.parentLog;
    this.command = init.command;
  }

  get log(): Logger {
    return (this.requestLog ??= this.parentLog.child({ account: this.account.email, deviceId: this.query.deviceId, cmd: this.command }));
  }
}
