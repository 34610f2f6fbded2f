// How the WBXML decoder copes with hostile input, measured (test/wbxml-fuzz.test.ts asserts only what
// happens: a WbxmlError and never another exception): the 20,000-input seeded mutation fuzz (total time,
// slowest single decode, heap growth), 3,000 random byte strings (slowest decode) and the hostile-length
// inputs (time to refuse each). Run: node --expose-gc dist/bench/wbxml-fuzz.js. Prints ratios to
// bench/baselines.json.
import { Buffer } from 'node:buffer';
import { pathToFileURL } from 'node:url';
import { decode, WbxmlError } from '../src/eas/wbxml/index.js';
import { FUZZ_SEEDS, HOSTILE_INPUTS, mutate, prng } from '../test/fixtures/wbxml/mutate.js';
import { printMeasured, report } from './lib.js';

const gc = (globalThis as { gc?: () => void }).gc;

/** ms of one decode; a WbxmlError is the expected outcome, anything else ends the bench. */
function timedDecode(input: Uint8Array): number {
  const t0 = performance.now();
  try {
    decode(input);
  } catch (e) {
    if (!(e instanceof WbxmlError)) throw e;
  }
  return performance.now() - t0;
}

export function main(): void {
  const rnd = prng(0xea5);
  const inputs = Array.from({ length: 20_000 }, (_, i) => mutate(FUZZ_SEEDS[i % FUZZ_SEEDS.length]!, rnd));
  gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let slowest = 0;
  const started = performance.now();
  for (const input of inputs) slowest = Math.max(slowest, timedDecode(input));
  const elapsed = performance.now() - started;
  gc?.();
  const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
  report('wbxml fuzz 20k mutated total', elapsed, 'ms');
  report('wbxml fuzz slowest decode', slowest, 'ms');
  report('wbxml fuzz heap growth', heapGrowth / 2 ** 20, `MiB${gc ? '' : ' (no --expose-gc: includes garbage)'}`);

  // The same shapes as the fast-check property: no header, a header, a header with an empty string table.
  const headers = [Buffer.alloc(0), Buffer.from([3, 1, 0x6a, 0]), Buffer.from([3, 1, 0x6a, 0, 0])];
  const bytes = prng(42);
  let slowestRandom = 0;
  for (let i = 0; i < 3000; i++) {
    const body = Buffer.from(Array.from({ length: Math.floor(bytes() * 301) }, () => Math.floor(bytes() * 256)));
    slowestRandom = Math.max(slowestRandom, timedDecode(Buffer.concat([headers[i % headers.length]!, body])));
  }
  report('wbxml random bytes slowest decode', slowestRandom, 'ms');

  let slowestHostile = 0;
  for (const [name, input] of HOSTILE_INPUTS) {
    const ms = timedDecode(input);
    console.log(`  hostile ${name}: refused in ${ms.toFixed(2)} ms`);
    slowestHostile = Math.max(slowestHostile, ms);
  }
  report('wbxml hostile input slowest refusal', slowestHostile, 'ms');
  printMeasured();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
