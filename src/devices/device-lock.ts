// One request at a time per (account, device) for the commands that move SyncState: two Syncs of
// one phone racing on the same key would otherwise both advance it. In-process; requests of one
// device reach one node in practice (sticky sessions), and the state write checks the key it read.
type Release = () => void;

const tails = new Map<string, Promise<void>>();

export async function lockDevice(accountId: string, deviceId: string): Promise<Release> {
  const key = `${accountId}\u0000${deviceId}`;
  const prev = tails.get(key) ?? Promise.resolve();
  let release!: Release;
  const mine = new Promise<void>((r) => { release = r; });
  const tail = prev.then(() => mine);
  tails.set(key, tail);
  await prev;
  return () => {
    release();
    if (tails.get(key) === tail) tails.delete(key);
  };
}

export async function withDeviceLock<T>(accountId: string, deviceId: string, fn: () => Promise<T>): Promise<T> {
  const release = await lockDevice(accountId, deviceId);
  try {
    return await fn();
  } finally {
    release();
  }
}
