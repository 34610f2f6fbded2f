// The ContentSource of a render (classes/registry.ts): the MessageContent of every message of a Sync
// window, a Search page or a Fetch, read in one query the first time one is asked for rather than one
// query per message; and the parse of a blob that had none kept for the next render (migration 016).
import type { BlobId } from '../../core/ids.js';
import type { BlobRepo, Item, MessageContent } from '../../store/types.js';
import type { ContentSource } from '../classes/registry.js';

export function messageContents(blobs: BlobRepo, items: readonly Item[]): ContentSource {
  const ids = [...new Set(items.flatMap((it) => (it.kind === 'message' && it.blobId ? [it.blobId] : [])))];
  const batch = new Set(ids);
  let loaded: Promise<Map<BlobId, MessageContent>> | null = null;
  return {
    async get(id) {
      loaded ??= blobs.getContents(ids);
      const hit = (await loaded).get(id);
      if (hit || batch.has(id)) return hit ?? null;
      // A blob outside the batch (a Fetch of an item the window did not list): read it alone.
      return (await blobs.getContents([id])).get(id) ?? null;
    },
    async save(id, content) {
      try {
        await blobs.setContent(id, content);
      } catch {
        // Only a cache: a read-only store (a simulated sync) or a failed write means parsing again later.
      }
    },
  };
}
