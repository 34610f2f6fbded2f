// Protocol-neutral errors. Each front end has one function that maps a StoreError kind to its own
// status (HTTP code, SMTP reply, EAS Status), so no handler invents its own mapping.
// `cycle`: a folder would become its own descendant. `temporary`: the database is briefly unreachable or
// busy (src/store/sql/context.ts translate); the request may be retried as is.
export type StoreErrorKind = 'not-found' | 'exists' | 'conflict' | 'invalid' | 'cycle' | 'temporary' | 'forbidden';

export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly kind: StoreErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const isStoreError = (e: unknown, kind?: StoreErrorKind): e is StoreError =>
  e instanceof StoreError && (kind === undefined || e.kind === kind);

/** Raised when the environment or a command line is not usable; the message is shown to the user as is. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));
