// V8 settings for the server process, imported first by the entry points (src/main.ts, src/cli/main.ts) so
// that they hold before any of our code is compiled or allocates.
//
// --no-allocation-site-pretenuring: V8 marks an object or array literal's allocation site "tenured" when
// nearly all of its objects survived one young-generation GC, and from then on allocates that site's
// objects straight into old space, until a full GC finds that almost nothing in old space survived
// (under 10 %), which never happens in a server whose old space is mostly long-lived state. At start-up
// the module graph builds long-lived tables through the same small helpers a request later uses (WBXML
// el(), option objects), so whether such a site is tenured is decided by when the first scavenges fall:
// issue 16's initial Sync had two modes, a peak RSS of ~160 MiB or ~260 MiB for the whole life of the
// process. In the high mode every scavenge moved ~2.2 MB of one window's short-lived response into old
// space (--trace-gc: old space 35 -> 139 MB, then a Mark-Compact back to 35 MB: garbage, not a leak), and
// a per-window literal site that reports allocation mementos at every scavenge in the low mode reports
// none (--trace-pretenuring-statistics: it allocates in old space). Without the heuristic our
// request-scoped objects die young, as they should; see bench/sync.ts for the runs.
import v8 from 'node:v8';

v8.setFlagsFromString('--no-allocation-site-pretenuring');
