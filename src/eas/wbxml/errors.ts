// Typed failure of the WBXML codec (WBXML 1.3 section 5, MS-ASWBXML 2.1.2). Every malformed input ends
// here, never in a RangeError or a hang, so the HTTP layer can map it to a 400 and log the code.

export type WbxmlErrorCode =
  | 'truncated'
  | 'bad-header'
  | 'bad-length'
  | 'unknown-page'
  | 'unknown-tag'
  | 'unexpected-token'
  | 'too-deep'
  | 'too-large'
  | 'bad-xml';

export class WbxmlError extends Error {
  override readonly name = 'WbxmlError';
  constructor(
    readonly code: WbxmlErrorCode,
    message: string,
    /** Byte offset in the input where the problem was found (-1 when not about an input position). */
    readonly offset = -1,
  ) {
    super(offset >= 0 ? `${message} (at byte ${offset})` : message);
  }
}

export const isWbxmlError = (e: unknown, code?: WbxmlErrorCode): e is WbxmlError =>
  e instanceof WbxmlError && (code === undefined || e.code === code);
