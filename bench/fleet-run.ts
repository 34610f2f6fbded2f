// Drives the fleet load client (bench/fleet-client.ts, forked) through its two phases and watches the
// server processes meanwhile: their RSS every 5 s (from /proc, so the figure is the process's own and not
// a guess from outside) and their CPU over the timed part.
import { fork } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { NodeProcess } from '../test/helpers/node-process.js';
import type { FleetPlan, FromClient, PhaseStats, ToClient } from './fleet-protocol.js';
import { cpuTicks, rssMiB, runQueueNs, TICKS_PER_SECOND } from './proc.js';

const SAMPLE_MS = 5000;

export interface RssSample {
  /** Seconds since the timed part began (negative: enrolment). */
  t: number;
  /** MiB per node. */
  rss: number[];
  /** V8 heap used, MiB per node, from the node's /metrics (NaN when it did not answer): tells GC's sawtooth from growth. */
  heap: number[];
}

export interface FleetResult {
  enrol: PhaseStats;
  run: PhaseStats;
  samples: RssSample[];
  /** Per node, percent of one core over the timed part. */
  serverCpu: number[];
  /**
   * Per node, the share of the timed part its main thread (the event loop) was runnable but waiting for a
   * CPU (/proc/<pid>/schedstat): high on a machine shared with other work, and then latency is not ours.
   */
  serverRunQueue: number[];
  /** The machine's 1-minute load average at the start and at the end of the timed part (others' work included). */
  load: [number, number];
}

/** The node's nodejs_heap_size_used_bytes (the /metrics route, no token configured in the benchmark). */
async function heapMiB(baseUrl: string): Promise<number> {
  const res = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(4000) });
  const m = /^nodejs_heap_size_used_bytes(?:\{[^}]*\})? (\d+(?:\.\d+)?(?:e\+\d+)?)/m.exec(await res.text());
  return m ? Number(m[1]) / 1024 / 1024 : NaN;
}

export async function runFleetClient(nodes: NodeProcess[], plan: FleetPlan): Promise<FleetResult> {
  const pids = nodes.map((n) => {
    if (n.child.pid === undefined) throw new Error(`${n.name} has no process id`);
    return n.child.pid;
  });
  const client = fork(fileURLToPath(new URL('fleet-client.js', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const samples: RssSample[] = [];
  let startedAt: number | null = null;
  const enrolStart = performance.now();
  const sample = (): void => {
    const t = (performance.now() - (startedAt ?? enrolStart)) / 1000;
    const s: RssSample = { t: startedAt === null ? -t : t, rss: pids.map(rssMiB), heap: pids.map(() => NaN) };
    samples.push(s);
    nodes.forEach((n, i) => {
      heapMiB(n.baseUrl).then((v) => { s.heap[i] = v; }, () => undefined);
    });
  };
  const timer = setInterval(sample, SAMPLE_MS);
  let cpu0: number[] = [];
  let cpuT0 = 0;
  try {
    let load0 = 0;
    let wait0: number[] = [];
    const outcome = await new Promise<Omit<FleetResult, 'samples'>>((resolve, reject) => {
      let enrol: PhaseStats | null = null;
      client.on('exit', (code) => reject(new Error(`the fleet client exited (${String(code)}) before its report`)));
      client.on('message', (m: FromClient) => {
        if (m.kind === 'failed') reject(new Error(`fleet client: ${m.message}`));
        else if (m.kind === 'enrolled') {
          enrol = m.stats;
          console.log(`enrolled ${plan.devices} devices in ${m.stats.seconds.toFixed(1)} s (${Object.values(m.stats.requests).reduce((a, b) => a + b, 0)} requests, ${Object.values(m.stats.errors).reduce((a, b) => a + b, 0)} errors); holding Pings`);
          client.send({ cmd: 'run' } satisfies ToClient);
        } else if (m.kind === 'started') {
          // From here on the sample clock counts the timed part; a sample at 0 marks its start.
          startedAt = performance.now();
          cpu0 = pids.map(cpuTicks);
          wait0 = pids.map(runQueueNs);
          cpuT0 = startedAt;
          load0 = os.loadavg()[0]!;
          samples.length = 0;
          sample();
          console.log(`timed part: ${plan.seconds} s`);
        } else {
          const seconds = (performance.now() - cpuT0) / 1000;
          const serverCpu = pids.map((p, i) => ((cpuTicks(p) - cpu0[i]!) / TICKS_PER_SECOND / seconds) * 100);
          const serverRunQueue = pids.map((p, i) => ((runQueueNs(p) - wait0[i]!) / 1e9 / seconds) * 100);
          sample();
          if (!enrol) reject(new Error('the fleet client reported before enrolling'));
          else resolve({ enrol, run: m.stats, serverCpu, serverRunQueue, load: [load0, os.loadavg()[0]!] });
        }
      });
      client.send({ cmd: 'enrol', plan } satisfies ToClient);
    });
    // The last sample's heap figures are on their way.
    await new Promise((r) => setTimeout(r, 1000));
    return { ...outcome, samples };
  } finally {
    clearInterval(timer);
    if (client.exitCode === null) client.kill();
  }
}
