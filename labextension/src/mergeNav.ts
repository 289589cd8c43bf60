/**
 * Conflicts of a three-way merge, as the merge view counts and walks them (a pure module:
 * unit-tested in tests/mergeNav.spec.ts). nbdime marks a decision resolved by clearing its
 * `conflict` flag (the ⚠ in the merged column, "Resolve Conflict" on a cell chunk, "Mark
 * resolved" on outputs); the view reads the flags after every interaction.
 */

/** One place the merge view can scroll to: the notebook metadata or a cell. */
export interface IConflictPlace {
  /** How many of its decisions are still conflicts. */
  left: number;
}

export interface IConflictCount {
  /** Conflicted decisions left. */
  decisions: number;
  /** Places (cells, the metadata) holding them. */
  places: number;
}

export function countConflicts(places: IConflictPlace[]): IConflictCount {
  const open = places.filter(p => p.left > 0);
  return { decisions: open.reduce((n, p) => n + p.left, 0), places: open.length };
}

/** The header's sentence. */
export function describeConflicts(count: IConflictCount): string {
  if (count.decisions === 0) {
    return 'No conflicts left: ready to commit';
  }
  const n = count.decisions;
  const where = count.places === 1 ? 'in 1 place' : `in ${count.places} places`;
  return `${n} conflict${n === 1 ? '' : 's'} left ${where}`;
}

/**
 * The index of the next place after `current` that still has conflicts, wrapping
 * around (`current` -1: from the start); -1 when none is left.
 */
export function nextConflict(places: IConflictPlace[], current: number): number {
  const n = places.length;
  for (let step = 1; step <= n; step++) {
    const i = (((current + step) % n) + n) % n;
    if (places[i].left > 0) {
      return i;
    }
  }
  return -1;
}

/** A merge tab's title (shared/UI.md): `Merge NB-12 ← NB-12-fork`. */
export function mergeTitle(target: string, other: string): string {
  return `Merge ${target} ← ${other}`;
}
