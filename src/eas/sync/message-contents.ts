// The ContentSource of a render (classes/registry.ts): the MessageContent of every message of a Sync
// window, a Search page or a Fetch, read in one query the first time one is asked for rather than one
// query per message; and the parse of a blob that had none kept for the next render (migration 016), all
// of a render's in one transaction when the caller flushes (one write per message took a 1,000-message
// initial sync of mail stored before 016 from 2 s to 13 s on PostgreSQL: a commit each).
import type { BlobId } from '../../core/ids.js';
import type { BlobRepo, Item, MessageContent } from '../../store/types.js';
import type { ContentSource } from '../classes/registry.js';

export function messageContents(blobs: BlobRepo, items: readonly Item[]): ContentSource {
  const ids = [...new Set(items.flatMap((it) => (it.kind === 'message' && it.blobId ? [it.blobId] : [])))];
  const batch = new Set(ids);
  let loaded: Promise<Map<BlobId, MessageContent>> | null = null;
  const pending = new Map<BlobId, MessageContent>();
  return {
    async get(id) {
      loaded ??= blobs.getContents(ids);
      const hit = (await loaded).get(id);
      if (hit || batch.has(id)) return hit ?? null;
      // A blob outside the batch (a Fetch of an item the window did not list): read it alone.
      return (await blobs.getContents([id])).get(id) ?? null;
    },
    save(id, content) {
      pending.set(id, content);
    },
    async flush() {
      if (pending.size === 0) return;
      const batch = new Map(pending);
      pending.clear();
      try {
        await blobs.setContents(batch);
      } catch {
        // Only a cache: a read-only store (a simulated sync) or a failed write means parsing again later.
      }
    },
  };
}
