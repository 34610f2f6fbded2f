// CARBONIO_LOG_FORMAT=pretty: pino's JSON lines turned into one human-readable line each,
// "2026-12-02T13:07:41.123Z INFO  store  applying migration 016_message_content ... migration=016_message_content".
// pino-pretty is not a dependency, and a worker-thread transport is more than a terminal needs: this is a
// plain destination that pino writes each finished JSON line to.
import { Writable } from 'node:stream';

const levels: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
// Shown in their own column or dropped (the same on every line).
const fixed = new Set(['time', 'level', 'msg', 'svc', 'app', 'pid', 'hostname']);

function value(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (v instanceof Object) return JSON.stringify(v);
  return String(v);
}

/** One pino JSON line as "time level svc msg key=value..."; a line that is not JSON passes unchanged. */
export function prettyLine(json: string): string {
  let rec: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(json);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return json.trimEnd();
    rec = parsed as Record<string, unknown>;
  } catch {
    return json.trimEnd();
  }
  const time = typeof rec.time === 'number' ? new Date(rec.time).toISOString() : '-';
  const level = (typeof rec.level === 'number' ? levels[rec.level] : undefined) ?? value(rec.level ?? '-');
  const svc = typeof rec.svc === 'string' ? rec.svc : '-';
  const rest = Object.entries(rec).filter(([k]) => !fixed.has(k)).map(([k, v]) => `${k}=${value(v)}`);
  // Newlines inside a message (a stack trace) would break the one-line-per-record promise.
  const msg = (typeof rec.msg === 'string' ? rec.msg : '').replace(/\r?\n/g, '\\n');
  return [time, level.padEnd(5), svc, msg, ...rest].join(' ').trimEnd();
}

/** A pino destination writing pretty lines to `out` (standard output by default). */
export function prettyDestination(out: NodeJS.WritableStream = process.stdout): Writable {
  let pending = '';
  return new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _enc, done) {
      pending += chunk.toString();
      let nl = pending.indexOf('\n');
      while (nl >= 0) {
        out.write(`${prettyLine(pending.slice(0, nl))}\n`);
        pending = pending.slice(nl + 1);
        nl = pending.indexOf('\n');
      }
      done();
    },
  });
}
