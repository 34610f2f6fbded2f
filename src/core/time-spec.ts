// A point in time as an admin types it in a filter (`carbonio audit list since T`): an ISO 8601 date or
// date-time (`2026-12-01`, `2026-12-01T21:29:03Z`; without a zone it is UTC), or a span back from now
// (`30m`, `24h`, `7d`, `2w`). Shared by the CLI (to refuse a typo before calling) and the API.

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };
const RELATIVE = /^(\d{1,6})([smhdw])$/;
const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

export const TIME_SPEC_HELP = 'an ISO 8601 date or date-time (2026-12-01, 2026-12-01T21:29:03Z) or a span back from now (30m, 24h, 7d, 2w)';

/** Epoch milliseconds, or null when `text` is neither form. */
export function parseTimeSpec(text: string, now: number): number | null {
  const t = text.trim();
  const rel = RELATIVE.exec(t);
  if (rel) return now - Number(rel[1]) * (UNIT_MS[rel[2] ?? ''] ?? 0);
  if (!ISO.test(t)) return null;
  // A date alone, or a time without a zone, is read as UTC (JavaScript would read the latter as local time).
  const hasZone = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(t) && t.length > 10;
  const ms = Date.parse(t.length === 10 || hasZone ? t : `${t.replace(' ', 'T')}Z`);
  return Number.isNaN(ms) ? null : ms;
}
