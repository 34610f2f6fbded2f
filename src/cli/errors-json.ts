// `--json` errors: the admin API's own error shape, `{"error": {"code", "message"}}`, so a script
// reads one shape whether the server or the CLI refused. Codes: the server's for its refusals,
// else usage, unreachable, config (a bad CARBONIO_* value or saved login), protocol, failed.
import { ConfigError } from '../core/errors.js';
import { UsageError } from './args.js';
import { ApiError, UnreachableError } from './client.js';
import { ProtocolError } from './json.js';

export interface ErrorJson {
  error: { code: string; message: string; status?: number; usage?: string };
}

export function errorJson(err: unknown, message: string): ErrorJson {
  if (err instanceof ApiError) return { error: { code: err.code, message, status: err.status } };
  if (err instanceof UsageError) return { error: { code: 'usage', message, ...(err.usage ? { usage: err.usage } : {}) } };
  if (err instanceof UnreachableError) return { error: { code: 'unreachable', message } };
  if (err instanceof ConfigError) return { error: { code: 'config', message } };
  if (err instanceof ProtocolError) return { error: { code: 'protocol', message } };
  return { error: { code: 'failed', message } };
}
