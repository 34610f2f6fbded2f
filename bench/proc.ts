// What Linux says about another process (/proc), for the benchmarks that run the server in its own process:
// its RSS now and at its peak, its CPU time and the time its main thread waited for a CPU. The figures are
// the process's own, not a guess from outside, and do not mix in the load client's work.
import fs from 'node:fs';

/** Linux reports process times in clock ticks of 1/100 s (USER_HZ) on every architecture Node runs on. */
export const TICKS_PER_SECOND = 100;

/** VmRSS (now) and VmHWM (the peak since the process started), in bytes. */
export function memoryOf(pid: number): { rss: number; peak: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/** VmRSS in MiB. */
export function rssMiB(pid: number): number {
  return memoryOf(pid).rss / 1024 / 1024;
}

/** User plus system CPU time, in clock ticks. */
export function cpuTicks(pid: number): number {
  // Fields after the command name (which may hold spaces, hence the last ')'): utime is the 14th, stime the 15th.
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

/** User plus system CPU time, in seconds. */
export function cpuSeconds(pid: number): number {
  return cpuTicks(pid) / TICKS_PER_SECOND;
}

/** Nanoseconds the process's main thread has waited on a run queue. */
export function runQueueNs(pid: number): number {
  return Number(fs.readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]);
}
