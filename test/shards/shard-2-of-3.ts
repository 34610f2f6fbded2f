// One of the shards npm test runs (test/helpers/shards.ts says why and which files it gets).
import { runShard } from '../helpers/shards.js';

await runShard(import.meta.url);
