// Shared by the benchmarks: print a figure with its ratio to the recorded baseline
// (bench/baselines.json: metric name -> value), and simple timing helpers.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const baselineFile = fileURLToPath(new URL('../../bench/baselines.json', import.meta.url));
let baselines: Record<string, number> | null = null;
const measured: Record<string, number> = {};

function loadBaselines(): Record<string, number> {
  if (baselines) return baselines;
  try {
    baselines = JSON.parse(fs.readFileSync(baselineFile, 'utf8')) as Record<string, number>;
  } catch {
    baselines = {};
  }
  return baselines;
}

/** Prints `name: value unit (ratio x to baseline)`; the ratio is value / baseline. */
export function report(name: string, value: number, unit: string): void {
  measured[name] = Number(value.toFixed(3));
  const base = loadBaselines()[name];
  const ratio = base ? ` (${(value / base).toFixed(2)}x baseline ${base})` : ' (no baseline yet)';
  console.log(`${name}: ${value.toFixed(value >= 100 ? 0 : 2)} ${unit}${ratio}`);
}

/** The figures of this run as JSON, to paste into bench/baselines.json when they become the new baseline. */
export function printMeasured(): void {
  console.log(`\nmeasured (for bench/baselines.json): ${JSON.stringify(measured)}`);
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
