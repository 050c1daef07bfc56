/**
 * Which live batch files are covered by a merged (compacted) file — pure, no I/O beyond the names.
 *
 * Compaction (files.ts `compactPartition`) renames a merged file `<first>-<last>.parquet` into a `p=<n>` folder
 * before it deletes the small files it merged. Until they are gone (or after a crash in between), the folder
 * holds both; a reader must then read the merged file only. A batch file is *covered* when another batch file
 * of the same folder spans its whole offset range. Used by the tap's start-up recovery and by the dataset's
 * folder listing (electron/services/dataset.ts), so a listing taken at any moment reads each offset once.
 */
import path from 'node:path';

const BATCH_RE = /^(\d{20})-(\d{20})\.(parquet|ndjson)$/i;

export interface BatchName {
  first: bigint;
  last: bigint;
  ext: string;
}

/** The offset range of a batch file name, or null when the name is not `<first:020>-<last:020>.<ext>`. */
export function parseBatchName(name: string): BatchName | null {
  const m = BATCH_RE.exec(name);
  if (!m) return null;
  const first = BigInt(m[1]);
  const last = BigInt(m[2]);
  return last >= first ? { first, last, ext: m[3].toLowerCase() } : null;
}

/**
 * The names among `names` (one folder, one extension) whose range lies inside another name's range. Ranges of
 * batch files never overlap partially (writers trim to the disk end, compaction merges whole files), so
 * "inside" is the only relation to look for.
 */
export function coveredNames(names: readonly string[]): Set<string> {
  const parsed = names
    .map((n) => ({ n, r: parseBatchName(n) }))
    .filter((x): x is { n: string; r: BatchName } => x.r !== null)
    // by first offset, the widest range first: a covering file comes before what it covers
    .sort((a, b) =>
      a.r.first !== b.r.first
        ? a.r.first < b.r.first
          ? -1
          : 1
        : a.r.last > b.r.last
          ? -1
          : a.r.last < b.r.last
            ? 1
            : 0,
    );
  const covered = new Set<string>();
  let reach = -1n;
  for (const { n, r } of parsed) {
    if (r.last <= reach) covered.add(n);
    else reach = r.last;
  }
  return covered;
}

/**
 * Drop live batch files covered by a merged file of the same folder from a list of paths (any files; only
 * `<first:020>-<last:020>.parquet` names in the same `p=<n>` folder are compared).
 */
export function dropCoveredBatches(files: readonly string[]): string[] {
  const byDir = new Map<string, string[]>();
  for (const f of files) {
    const dir = path.dirname(f);
    if (!/^p=\d+$/.test(path.basename(dir)) || !parseBatchName(path.basename(f))) continue;
    const l = byDir.get(dir);
    if (l) l.push(path.basename(f));
    else byDir.set(dir, [path.basename(f)]);
  }
  const drop = new Set<string>();
  for (const [dir, names] of byDir) for (const n of coveredNames(names)) drop.add(path.join(dir, n));
  return drop.size ? files.filter((f) => !drop.has(f)) : [...files];
}
