// A tiny in-process metrics registry (counters, gauges, histograms) rendered in the Prometheus text
// exposition format 0.0.4. A metric is a family of series, one per set of label values; resolve a
// series once with `labels(...)` and keep it, so that recording on a hot path is a number update with
// no allocation. The registry is per process (like the process metrics it sits next to): several
// servers started in one process (tests) share it. The server's own metrics are declared at the end.

export type MetricType = 'counter' | 'gauge' | 'histogram';

/** Label names must match the Prometheus grammar; `le` is the histogram's own. */
const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

const escapeLabel = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const escapeHelp = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

/** A sample value as Prometheus writes it. */
export function formatValue(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

abstract class Family<S> {
  private readonly series = new Map<string, { labels: string; child: S }>();

  constructor(readonly name: string, readonly help: string, readonly type: MetricType, readonly labelNames: readonly string[]) {
    if (!NAME_RE.test(name)) throw new Error(`bad metric name "${name}"`);
    for (const l of labelNames) if (!LABEL_RE.test(l) || l.startsWith('__') || l === 'le') throw new Error(`bad label name "${l}" for ${name}`);
  }

  protected abstract create(): S;
  protected abstract renderSeries(child: S, labels: string, out: string[]): void;

  /** The series for these label values, in `labelNames` order (created on first use). */
  labels(...values: string[]): S {
    if (values.length !== this.labelNames.length) throw new Error(`${this.name} takes ${this.labelNames.length} label values, got ${values.length}`);
    const key = values.length === 1 ? values[0]! : values.join('\u0000');
    let s = this.series.get(key);
    if (!s) {
      const labels = this.labelNames.map((l, i) => `${l}="${escapeLabel(values[i]!)}"`).join(',');
      s = { labels, child: this.create() };
      this.series.set(key, s);
    }
    return s.child;
  }

  protected each(fn: (child: S) => void): void {
    for (const s of this.series.values()) fn(s.child);
  }

  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`);
    for (const s of this.series.values()) this.renderSeries(s.child, s.labels, out);
  }
}

const braces = (labels: string): string => (labels === '' ? '' : `{${labels}}`);

export class CounterSeries {
  value = 0;
  inc(n = 1): void {
    if (n > 0) this.value += n;
  }
}

export class Counter extends Family<CounterSeries> {
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super(name, help, 'counter', labelNames);
  }
  protected create(): CounterSeries {
    return new CounterSeries();
  }
  protected renderSeries(c: CounterSeries, labels: string, out: string[]): void {
    out.push(`${this.name}${braces(labels)} ${formatValue(c.value)}`);
  }
}

export class GaugeSeries {
  value = 0;
  set(n: number): void {
    this.value = n;
  }
  inc(n = 1): void {
    this.value += n;
  }
  dec(n = 1): void {
    this.value -= n;
  }
}

export class Gauge extends Family<GaugeSeries> {
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super(name, help, 'gauge', labelNames);
  }
  protected create(): GaugeSeries {
    return new GaugeSeries();
  }
  /** Sets every series created so far to 0 (before recounting them from scratch). */
  reset(): void {
    this.each((g) => g.set(0));
  }
  protected renderSeries(g: GaugeSeries, labels: string, out: string[]): void {
    out.push(`${this.name}${braces(labels)} ${formatValue(g.value)}`);
  }
}

export class HistogramSeries {
  /** Observations per bucket (not cumulative); the last slot is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }
  observe(v: number): void {
    let i = 0;
    while (i < this.bounds.length && v > this.bounds[i]!) i++;
    this.counts[i]! += 1;
    this.sum += v;
    this.count += 1;
  }
}

export class Histogram extends Family<HistogramSeries> {
  readonly bounds: readonly number[];
  constructor(name: string, help: string, bounds: readonly number[], labelNames: readonly string[] = []) {
    super(name, help, 'histogram', labelNames);
    if (bounds.length === 0 || bounds.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= bounds[i - 1]!))) {
      throw new Error(`${name}: buckets must be finite and increasing`);
    }
    this.bounds = [...bounds];
  }
  protected create(): HistogramSeries {
    return new HistogramSeries(this.bounds);
  }
  protected renderSeries(h: HistogramSeries, labels: string, out: string[]): void {
    const sep = labels === '' ? '' : `${labels},`;
    let cumulative = 0;
    for (let i = 0; i <= this.bounds.length; i++) {
      cumulative += h.counts[i]!;
      const le = i < this.bounds.length ? formatValue(this.bounds[i]!) : '+Inf';
      out.push(`${this.name}_bucket{${sep}le="${le}"} ${formatValue(cumulative)}`);
    }
    out.push(`${this.name}_sum${braces(labels)} ${formatValue(h.sum)}`, `${this.name}_count${braces(labels)} ${formatValue(h.count)}`);
  }
}

export type Metric = Counter | Gauge | Histogram;

export class Registry {
  private readonly metrics = new Map<string, Metric>();

  register<M extends Metric>(m: M): M {
    if (this.metrics.has(m.name)) throw new Error(`metric ${m.name} registered twice`);
    this.metrics.set(m.name, m);
    return m;
  }

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.register(new Counter(name, help, labelNames));
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.register(new Gauge(name, help, labelNames));
  }

  histogram(name: string, help: string, bounds: readonly number[], labelNames: readonly string[] = []): Histogram {
    return this.register(new Histogram(name, help, bounds, labelNames));
  }

  /** Every metric in the text format 0.0.4, in the order registered, ending with a newline. */
  render(): string {
    const out: string[] = [];
    for (const m of this.metrics.values()) m.render(out);
    return out.length === 0 ? '' : `${out.join('\n')}\n`;
  }
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

// ---- The server's metrics (one registry per process) ----

export const registry = new Registry();

/** Why a held Ping ended: `change` (a watched folder changed), `timeout` (heartbeat), `ended` (a newer request, device management, shutdown), `hierarchy` (folder list changed), `gone` (client went away), `resync` (the bus may have missed notices). */
export const PING_WAKE_REASONS = ['change', 'timeout', 'ended', 'hierarchy', 'gone', 'resync'] as const;

export const easMetrics = {
  /** Set from the held-request registry when scraped. */
  heldRequests: registry.gauge('carbonio_eas_held_requests', 'ActiveSync requests held open (Ping, Sync with a wait) by this server process', ['command']),
  pingWakeups: registry.counter('carbonio_eas_ping_wakeups_total', 'Held Pings that ended, by reason', ['reason']),
  wakeLatency: registry.histogram(
    'carbonio_eas_wake_latency_seconds',
    'From a change notice reaching a held request (Ping, Sync with a wait) to the request finishing its wait (includes notificationsLatency)',
    [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  ),
  requests: registry.counter(
    'carbonio_eas_requests_total',
    'ActiveSync POST requests answered, by command ("unknown" when none of ours was named), HTTP status and the Status in the answer\'s root ("none" without one)',
    ['command', 'status', 'eas_status'],
  ),
};

/**
 * Counts one answered ActiveSync request. The labels stay few: `command` comes from the command table (or
 * is "unknown"), the statuses from our own answers.
 */
export function countEasRequest(command: string, httpStatus: number, easStatus: number | undefined): void {
  easMetrics.requests.labels(command, String(httpStatus), easStatus === undefined ? 'none' : String(easStatus)).inc();
}

/** The wake-up counter of each reason, resolved once so recording allocates nothing. */
export const pingWakeups: Readonly<Record<string, CounterSeries>> = Object.fromEntries(
  PING_WAKE_REASONS.map((r) => [r, easMetrics.pingWakeups.labels(r)]),
);
for (const c of ['Ping', 'Sync']) easMetrics.heldRequests.labels(c);
export const wakeLatency: HistogramSeries = easMetrics.wakeLatency.labels();

export const processMetrics = {
  residentMemory: registry.gauge('process_resident_memory_bytes', 'Resident memory size in bytes'),
  heapUsed: registry.gauge('nodejs_heap_size_used_bytes', 'V8 heap used, in bytes'),
  heapTotal: registry.gauge('nodejs_heap_size_total_bytes', 'V8 heap allocated, in bytes'),
  startTime: registry.gauge('process_start_time_seconds', 'Start time of the process since the Unix epoch, in seconds'),
};
