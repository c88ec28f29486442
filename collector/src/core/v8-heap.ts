import { setFlagsFromString } from 'node:v8';

/**
 * Turns off V8's allocation-site pretenuring for this process, once.
 *
 * Why: ingest allocates a decoded batch (spans, attribute objects, ids) that lives for
 * one queue hop, and the status page keeps a few of those objects for longer. When a
 * scavenge finds most objects of an allocation site surviving, V8 starts allocating that
 * site straight into the old generation; for the decoder's sites that is wrong for the
 * next million batches, and the collector falls into a state where every scavenge
 * promotes everything, a mark-compact runs twice a second and GC helper threads take
 * a second core. Measured with bench/sli-ingest.ts on 1,000-span requests: ingest-only
 * rose from about 100k to about 160k spans per CPU-second and mark-compacts fell from
 * 14 to 3 per run (ARCHITECTURE.md, "Runtime"). The state is bistable, so a run can
 * look healthy without the flag; the flag removes the bad state.
 *
 * `--allocation-site-pretenuring` given explicitly (node flag or NODE_OPTIONS) wins.
 */
let applied = false;

export function disableAllocationSitePretenuring(): void {
  if (applied) return;
  applied = true;
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  if (given.some((flag) => /^--(no-)?allocation[-_]site[-_]pretenuring$/.test(flag))) return;
  setFlagsFromString('--no-allocation-site-pretenuring');
}
