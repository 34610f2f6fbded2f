// V8 settings for the server process, imported first by the entry points (src/main.ts, src/cli/main.ts) so
// that they hold before any of our code is compiled or allocates.
//
// --no-allocation-site-pretenuring: V8 marks an object or array literal's allocation site "tenured" when
// nearly all of its objects survived a young-generation GC, and from then on allocates that site's objects
// straight into old space; the decision is undone only by a full GC in which under a tenth of old space
// survives, which does not happen in a server whose old space is mostly long-lived state. Whether a site
// that a Sync window uses got tenured depends on when the early scavenges fell, so issue 16's initial Sync
// had two modes for the whole life of a process: a peak RSS of ~160 MiB or ~260 MiB. Evidence
// (bench/sync.ts with BENCH_SYNC_NODE_ARGS and BENCH_SYNC_GC_LOG):
// - --trace-gc: in the high mode every scavenge left ~2.2 MB more in old space (35 -> 139 MB), then one
//   Mark-Compact took it back to 35 MB: garbage allocated in old space, not a leak; the low mode keeps
//   old space flat (36.7 -> 37.2 MB over the same windows).
// - --trace-pretenuring-statistics: a literal site that reports allocation mementos at every scavenge of
//   the low mode (200 created, 100 found) reports none in the high mode: its objects skip new space.
//   Which literal it is the trace does not say (sites are addresses).
// - with the flag, 0 of 33 runs in the high mode (SQLite and PostgreSQL); without, 8 of 25 SQLite runs.
// Server CPU and idle RSS did not change measurably. Our request-scoped objects now die young.
import v8 from 'node:v8';

v8.setFlagsFromString('--no-allocation-site-pretenuring');
