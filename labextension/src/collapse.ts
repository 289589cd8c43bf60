/**
 * Collapsing the unchanged runs of a notebook diff before nbdime renders it.
 *
 * nbdime's NotebookDiffWidget adds one cell per animation frame, so the diff of
 * two adjacent versions of a 1,000-cell notebook takes seconds to appear. The
 * changes are few: keep the changed cells with some context, and put one
 * placeholder (an unchanged markdown cell saying how many cells it stands
 * for) in place of each longer unchanged run. The diff's cell keys are
 * rewritten to the shortened base, so nbdime renders exactly the same changes.
 */
import type * as nbformat from '@jupyterlab/nbformat';

import type { IDiffEntry } from './api';

export interface ICollapsed {
  base: nbformat.INotebookContent;
  diff: IDiffEntry[];
  /** Cells left out, in all. */
  hidden: number;
  /** How many placeholders stand for them. */
  runs: number;
}

/** Placeholder cells carry this metadata key, so views can style or expand them. */
export const PLACEHOLDER_KEY = 'jupyter_artifacts_collapsed';

function placeholder(
  first: number,
  last: number
): nbformat.IMarkdownCell & { id: string } {
  const count = last - first + 1;
  return {
    id: `collapsed-${first}-${last}`,
    cell_type: 'markdown',
    metadata: { [PLACEHOLDER_KEY]: { first, last, count } },
    source: `⋯ ${count} unchanged cell${count === 1 ? '' : 's'} (${first + 1}–${last + 1}) not shown`
  };
}

/** The base cell indices an entry of the `/cells` diff touches. */
function touched(entry: IDiffEntry, n: number): number[] {
  const k = Number(entry.key);
  switch (entry.op) {
    case 'patch':
      return [k];
    case 'removerange': {
      const out: number[] = [];
      for (let i = k; i < k + (entry.length ?? 1); i++) {
        out.push(i);
      }
      return out;
    }
    case 'addrange':
      // An insertion before base cell k: its neighbours give the context.
      return [k - 1, k].filter(i => i >= 0 && i < n);
    default:
      return [k];
  }
}

/**
 * `base` and `diff` with every unchanged run longer than `2 * context + 1`
 * cells replaced by one placeholder; unchanged when there is nothing to gain.
 */
export function collapseUnchanged(
  base: nbformat.INotebookContent,
  diff: IDiffEntry[],
  context = 2,
  minRun = 4
): ICollapsed {
  const cells = base.cells ?? [];
  const n = cells.length;
  const cellsEntry = diff.find(e => e.key === 'cells');
  if (cellsEntry && cellsEntry.op !== 'patch') {
    return { base, diff, hidden: 0, runs: 0 };
  }
  const entries = cellsEntry?.diff ?? [];
  const keep = new Array<boolean>(n).fill(false);
  for (const entry of entries) {
    for (const t of touched(entry, n)) {
      for (let i = Math.max(0, t - context); i <= Math.min(n - 1, t + context); i++) {
        keep[i] = true;
      }
    }
  }
  // Short unchanged runs are not worth a placeholder: keep them.
  let i = 0;
  while (i < n) {
    if (keep[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j < n && !keep[j]) {
      j++;
    }
    if (j - i < minRun) {
      for (let k = i; k < j; k++) {
        keep[k] = true;
      }
    }
    i = j;
  }
  if (keep.every(Boolean)) {
    return { base, diff, hidden: 0, runs: 0 };
  }

  const newCells: nbformat.ICell[] = [];
  const map = new Array<number>(n + 1);
  let hidden = 0;
  let runs = 0;
  i = 0;
  while (i < n) {
    if (keep[i]) {
      map[i] = newCells.length;
      newCells.push(cells[i]);
      i++;
      continue;
    }
    let j = i;
    while (j < n && !keep[j]) {
      j++;
    }
    newCells.push(placeholder(i, j - 1));
    hidden += j - i;
    runs += 1;
    i = j;
  }
  map[n] = newCells.length;

  const newEntries = entries.map(entry => ({
    ...entry,
    key: map[Number(entry.key)]
  }));
  const newDiff = diff.map(entry =>
    entry === cellsEntry ? { ...entry, diff: newEntries } : entry
  );
  return { base: { ...base, cells: newCells }, diff: newDiff, hidden, runs };
}
