// Waiting on a condition instead of sleeping a fixed time: polls until `check` holds or the deadline
// passes, so a test is as fast as the machine allows and fails with a message, not a hang.
import { setTimeout as delay } from 'node:timers/promises';

// The default deadline is generous on purpose: it costs nothing when the condition comes true, and a
// machine running the files in parallel (or other work) can be many times slower than an idle one.
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(5);
  }
}
