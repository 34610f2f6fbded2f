// Policy keys (MS-ASPROV 2.2.2.42): the temporary key of the first phase and the final key of the
// second. Random, so that one device's key says nothing about another's; 9 digits like the peers'
// (iOS once refused a key of 0, and some clients store the key in a signed 32-bit integer).
import { randomInt } from 'node:crypto';

export function newPolicyKey(...avoid: number[]): number {
  for (;;) {
    const k = randomInt(100_000_000, 1_000_000_000);
    if (!avoid.includes(k)) return k;
  }
}

/** AccountOnlyRemoteWipe exists from 16.1 on (MS-ASPROV 2.2.2.1). */
export const ACCOUNT_ONLY_MIN_VERSION = 161;
