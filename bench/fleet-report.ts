// The fleet benchmark's figures: requests per second by command, Sync and wake latency, errors by kind,
// the servers' RSS over time with its slope after warm-up, and CPU. Each comparable figure goes through
// report() (bench/lib.ts) so that it prints its ratio to bench/baselines.json.
import os from 'node:os';
import type { FleetResult, RssSample } from './fleet-run.js';
import { percentile, report } from './lib.js';

/** Least-squares slope of RSS over time, in MiB per minute. */
export function slopePerMinute(points: ReadonlyArray<{ t: number; v: number }>): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mt = points.reduce((a, p) => a + p.t, 0) / n;
  const mv = points.reduce((a, p) => a + p.v, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.t - mt) * (p.v - mv);
    den += (p.t - mt) ** 2;
  }
  return den === 0 ? NaN : (num / den) * 60;
}

/** The warm-up left out of the slope: the first third of the run, at most a minute. */
export const warmupSeconds = (seconds: number): number => Math.min(60, seconds / 3);

function printSamples(names: readonly string[], samples: readonly RssSample[]): void {
  console.log(`  server RSS and V8 heap used (MiB) every 5 s:  t(s) ${names.map((n) => `${n} rss`.padStart(12) + `${n} heap`.padStart(12)).join(' ')}`);
  for (const s of samples) console.log(`  ${s.t.toFixed(0).padStart(48)} ${s.rss.map((v, i) => v.toFixed(1).padStart(12) + (s.heap[i] ?? NaN).toFixed(1).padStart(12)).join(' ')}`);
}

/** Prints the report and returns the number of errors (enrolment and timed part together). */
export function printFleetReport(prefix: string, names: readonly string[], r: FleetResult): number {
  const { run, enrol } = r;
  console.log(`\n${prefix}: timed part ${run.seconds.toFixed(1)} s, ${run.heldAtEnd} Pings held at its end; machine load average ${r.load[0].toFixed(1)} at its start, ${r.load[1].toFixed(1)} at its end (${os.cpus().length} cores)`);
  for (const cmd of ['Ping', 'Sync', 'SendMail', 'SMTP']) report(`${prefix} ${cmd} per second`, (run.requests[cmd] ?? 0) / run.seconds, 'req/s');
  const other = Object.keys(run.requests).filter((c) => !['Ping', 'Sync', 'SendMail', 'SMTP'].includes(c));
  for (const cmd of other) console.log(`  ${cmd}: ${((run.requests[cmd] ?? 0) / run.seconds).toFixed(2)} req/s`);
  if (run.smtpBacklog > 0) console.log(`  warning: the SMTP generator ended ${run.smtpBacklog} messages behind its rate (the server accepted slower)`);
  report(`${prefix} sync p50`, percentile(run.syncMs, 50), 'ms');
  report(`${prefix} sync p99`, percentile(run.syncMs, 99), 'ms');
  report(`${prefix} wake p50`, percentile(run.wakeMs, 50), 'ms');
  report(`${prefix} wake p99`, percentile(run.wakeMs, 99), 'ms');
  report(`${prefix} wake from DATA end p50`, percentile(run.wakeFromDataMs, 50), 'ms');
  report(`${prefix} wake from DATA end p99`, percentile(run.wakeFromDataMs, 99), 'ms');
  const early = run.wakeMs.filter((x) => x < 0).length;
  const slow = run.wakeFromDataMs.filter((x) => x > 1000).length;
  console.log(`  wake from DATA end: p90 ${percentile(run.wakeFromDataMs, 90).toFixed(0)} ms, p95 ${percentile(run.wakeFromDataMs, 95).toFixed(0)} ms, max ${(run.wakeFromDataMs[run.wakeFromDataMs.length - 1] ?? NaN).toFixed(0)} ms, ${slow} over 1 s`);
  console.log(`  wake: from the SMTP 250 to the Ping answer (negative: the answer came first, ${early} of ${run.wakeMs.length}); from DATA end: the delivery's own time included`);
  console.log(`  ${run.syncMs.length} Syncs, ${run.wakeMs.length} wakes measured; SMTP transaction p50 ${percentile(run.smtpMs, 50).toFixed(1)} ms, p99 ${percentile(run.smtpMs, 99).toFixed(1)} ms`);
  console.log(`  enrolment (not timed): ${enrol.seconds.toFixed(1)} s, ${Object.entries(enrol.requests).map(([c, n]) => `${n} ${c}`).join(', ')}, Sync p50 ${percentile(enrol.syncMs, 50).toFixed(1)} ms`);

  const kinds = new Map<string, number>();
  for (const [k, n] of [...Object.entries(enrol.errors).map(([k, n]): [string, number] => [`enrolment: ${k}`, n]), ...Object.entries(run.errors)]) kinds.set(k, n);
  const errors = [...kinds.values()].reduce((a, b) => a + b, 0);
  report(`${prefix} errors`, errors, 'errors');
  for (const [k, n] of kinds) console.log(`  error ${k}: ${n}`);

  printSamples(names, r.samples);
  const warm = warmupSeconds(run.seconds);
  names.forEach((name, i) => {
    const points = r.samples.filter((s) => s.t >= warm).map((s) => ({ t: s.t, v: s.rss[i]! }));
    report(`${prefix} ${name} rss end`, r.samples[r.samples.length - 1]?.rss[i] ?? NaN, 'MiB');
    report(`${prefix} ${name} rss slope after warm-up`, slopePerMinute(points), `MiB/min (samples from ${warm.toFixed(0)} s on)`);
    const heap = r.samples.filter((s) => s.t >= warm && Number.isFinite(s.heap[i])).map((s) => ({ t: s.t, v: s.heap[i]! }));
    report(`${prefix} ${name} heap slope after warm-up`, slopePerMinute(heap), 'MiB/min');
    report(`${prefix} ${name} cpu`, r.serverCpu[i] ?? NaN, '% of one core');
    report(`${prefix} ${name} waiting for a cpu`, r.serverRunQueue[i] ?? NaN, '% of the time (its event loop runnable, not running: others\' load)');
  });
  report(`${prefix} client cpu`, run.clientCpu, '% of one core');
  return errors;
}
