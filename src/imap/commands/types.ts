// What a command handler gets and returns.
import type { Command } from '../protocol/types.js';
import type { ResponseCode } from '../protocol/writer.js';

/** The tagged answer (untagged data is sent by the handler as it goes). */
export interface Done {
  status: 'OK' | 'NO' | 'BAD';
  text: string;
  code?: ResponseCode;
}

/** The command of these names (an intersection: some variants share one object type for several names). */
export type Cmd<N extends Command['name']> = Command & { name: N };

export const ok = (text: string, code?: ResponseCode): Done => ({ status: 'OK', text, ...(code ? { code } : {}) });
export const no = (text: string, code?: ResponseCode): Done => ({ status: 'NO', text, ...(code ? { code } : {}) });
export const bad = (text: string, code?: ResponseCode): Done => ({ status: 'BAD', text, ...(code ? { code } : {}) });
