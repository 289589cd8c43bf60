/**
 * A replay's diff as the comparison sees it: nbdime's diff of the stored
 * notebook against the replayed one, without what the verdict ignores
 * (execution counts, and each output's `metadata` and `transient`), so the
 * cells left are the ones whose outputs came out otherwise. Pure; unit-tested
 * in tests/replayDiff.spec.ts.
 */
import type { DiffSummary, IDiffEntry } from './types';

/** Keys of a code cell (or of one output) that the comparison ignores. */
const IGNORED_IN_CELL = new Set(['execution_count']);
const IGNORED_IN_OUTPUT = new Set(['execution_count', 'metadata', 'transient']);

/** `entries` without the ignored keys, and without patches left empty. */
function drop(entries: IDiffEntry[], ignored: ReadonlySet<string>, inner: (e: IDiffEntry) => IDiffEntry[] | null): IDiffEntry[] {
  const kept: IDiffEntry[] = [];
  for (const e of entries) {
    if (typeof e.key === 'string' && ignored.has(e.key)) {
      continue;
    }
    if (e.op === 'patch') {
      const diff = inner(e);
      if (diff === null) {
        kept.push(e);
      } else if (diff.length > 0) {
        kept.push({ ...e, diff });
      }
    } else {
      kept.push(e);
    }
  }
  return kept;
}

/** One output's patch, without the ignored keys. */
const outputEntry = (e: IDiffEntry) => drop(e.diff ?? [], IGNORED_IN_OUTPUT, () => null);

/** One cell's patch: its outputs' patches filtered too. */
const cellEntry = (e: IDiffEntry) =>
  drop(e.diff ?? [], IGNORED_IN_CELL, sub => (sub.key === 'outputs' ? drop(sub.diff ?? [], new Set(), outputEntry) : null));

export interface IOutputChanges {
  diff: IDiffEntry[];
  summary: DiffSummary;
}

/** The diff and summary of `cellCount` cells once the ignored keys are left out. */
export function outputChanges(diff: IDiffEntry[], summary: DiffSummary, cellCount: number): IOutputChanges {
  const kept = drop(diff, new Set(), e => (e.key === 'cells' ? drop(e.diff ?? [], new Set(), cellEntry) : null));
  const cells = kept.find(e => e.key === 'cells' && e.op === 'patch');
  const modified = (cells?.diff ?? [])
    .filter(e => e.op === 'patch' && typeof e.key === 'number')
    .map(e => e.key as number);
  const added = summary?.added ?? [];
  const removed = summary?.removed ?? [];
  return {
    diff: kept,
    summary: { added, removed, modified, unchanged_count: Math.max(0, cellCount - modified.length - removed.length) }
  };
}
