/**
 * What changed in a working copy (an open notebook) since the version its
 * metadata names, computed in the browser (a pure module: unit-tested in
 * tests/workingCopy.spec.ts).
 *
 * Cells are matched by id first. A cell appended through the REST API got
 * its id from the server, so the open notebook may hold the same cell under
 * another id: the cells left over are then matched by identical content, and
 * the rest pairwise by position between matched neighbours (an edited cell).
 * Matched cells out of their order count as moved.
 */

/** The parts of a cell the comparison reads (nbformat JSON, or a model's toJSON()). */
export interface ICellLike {
  id?: string;
  cell_type: string;
  source: string | string[];
  outputs?: unknown[];
}

export interface IComparison {
  /** Working-copy indices of cells that are not in the version. */
  added: number[];
  /** Version indices of cells the working copy no longer has. */
  removed: number[];
  /** Working-copy indices of cells whose type or source changed. */
  modified: number[];
  /** Working-copy indices of unchanged cells out of their order. */
  moved: number[];
  /** Working-copy indices of cells whose source is the same but whose outputs differ. */
  outputsOnly: number[];
  /** For each working-copy cell, the version's index of the same cell (null: added). */
  pairs: (number | null)[];
  /** added + removed + modified + moved. */
  changedCells: number;
}

export function sourceText(source: string | string[] | undefined): string {
  return Array.isArray(source) ? source.join('') : source ?? '';
}

function text(value: unknown): unknown {
  return Array.isArray(value) && value.every(v => typeof v === 'string') ? value.join('') : value;
}

/** An output as compared: what it shows (no execution count, no metadata). */
function outputKey(output: unknown): unknown {
  if (output === null || typeof output !== 'object') {
    return output;
  }
  const o = output as Record<string, unknown>;
  const data: Record<string, unknown> = {};
  for (const [mime, value] of Object.entries((o.data as Record<string, unknown>) ?? {})) {
    data[mime] = text(value);
  }
  return [o.output_type, o.name ?? null, text(o.text) ?? null, data, o.ename ?? null, o.evalue ?? null];
}

export function sameOutputs(a: unknown[] | undefined, b: unknown[] | undefined): boolean {
  return JSON.stringify((a ?? []).map(outputKey)) === JSON.stringify((b ?? []).map(outputKey));
}

function sameContent(a: ICellLike, b: ICellLike): boolean {
  return a.cell_type === b.cell_type && sourceText(a.source) === sourceText(b.source);
}

/** Indices (into `values`) of one longest strictly increasing subsequence. */
export function longestIncreasing(values: number[]): Set<number> {
  const tails: number[] = []; // index into values of the smallest tail of each length
  const prev = new Array<number>(values.length).fill(-1);
  for (let i = 0; i < values.length; i++) {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (values[tails[mid]] < values[i]) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    prev[i] = lo > 0 ? tails[lo - 1] : -1;
    tails[lo] = i;
  }
  const out = new Set<number>();
  for (let k = tails.length ? tails[tails.length - 1] : -1; k >= 0; k = prev[k]) {
    out.add(k);
  }
  return out;
}

/** Compare the working copy's cells with the version's. */
export function compareCells(working: ICellLike[], base: ICellLike[]): IComparison {
  const pairs: (number | null)[] = new Array(working.length).fill(null);
  const used = new Array<boolean>(base.length).fill(false);
  const byId = new Map<string, number>();
  base.forEach((cell, i) => {
    if (cell.id && !byId.has(cell.id)) {
      byId.set(cell.id, i);
    }
  });
  working.forEach((cell, w) => {
    const b = cell.id ? byId.get(cell.id) : undefined;
    if (b !== undefined && !used[b]) {
      pairs[w] = b;
      used[b] = true;
    }
  });
  // Same content under another id (e.g. a cell appended over REST got the server's id).
  working.forEach((cell, w) => {
    if (pairs[w] === null) {
      const b = base.findIndex((other, i) => !used[i] && sameContent(cell, other));
      if (b >= 0) {
        pairs[w] = b;
        used[b] = true;
      }
    }
  });
  // Matched cells in order are anchors; the others moved.
  const matched = pairs.map((b, w) => [w, b] as [number, number | null]).filter(([, b]) => b !== null) as [number, number][];
  const inOrder = longestIncreasing(matched.map(([, b]) => b));
  const anchors = matched.filter((_, i) => inOrder.has(i));
  const moved = new Set(matched.filter((_, i) => !inOrder.has(i)).map(([w]) => w));
  // Between consecutive anchors, leftover cells pair up by position: an edited cell.
  const bounds: [number, number][] = [[-1, -1], ...anchors, [working.length, base.length]];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const [w0, b0] = bounds[k];
    const [w1, b1] = bounds[k + 1];
    const ws: number[] = [];
    for (let w = w0 + 1; w < w1; w++) {
      if (pairs[w] === null) {
        ws.push(w);
      }
    }
    const bs: number[] = [];
    for (let b = b0 + 1; b < b1; b++) {
      if (!used[b]) {
        bs.push(b);
      }
    }
    for (let i = 0; i < Math.min(ws.length, bs.length); i++) {
      pairs[ws[i]] = bs[i];
      used[bs[i]] = true;
    }
  }
  const result: IComparison = { added: [], removed: [], modified: [], moved: [], outputsOnly: [], pairs, changedCells: 0 };
  working.forEach((cell, w) => {
    const b = pairs[w];
    if (b === null) {
      result.added.push(w);
    } else if (!sameContent(cell, base[b])) {
      result.modified.push(w);
    } else if (moved.has(w)) {
      result.moved.push(w);
    } else if (cell.cell_type === 'code' && !sameOutputs(cell.outputs, base[b].outputs)) {
      result.outputsOnly.push(w);
    }
  });
  used.forEach((u, b) => {
    if (!u) {
      result.removed.push(b);
    }
  });
  result.changedCells = result.added.length + result.removed.length + result.modified.length + result.moved.length;
  return result;
}

/** Whether the working copy differs from the version at all (cells or outputs). */
export function hasChanges(c: IComparison): boolean {
  return c.changedCells > 0 || c.outputsOnly.length > 0;
}

export interface IStatusInput {
  /** The version the metadata names: `X@vN`. */
  ref: string;
  version: number;
  /** The head, when known. */
  latest: number | null;
  comparison: IComparison | null;
}

/** The parts of the status line: `NB-12@v3 · in sync`, `2 cells changed since v3`, `v4 exists (behind)`. */
export interface IStatusText {
  ref: string;
  changes: string | null;
  behind: string | null;
  inSync: boolean;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function statusText(input: IStatusInput): IStatusText {
  const c = input.comparison;
  let changes: string | null = null;
  if (c && c.changedCells > 0) {
    changes = `${plural(c.changedCells, 'cell')} changed since v${input.version}`;
    if (c.outputsOnly.length > 0) {
      changes += `, outputs of ${plural(c.outputsOnly.length, 'other')}`;
    }
  } else if (c && c.outputsOnly.length > 0) {
    changes = `outputs changed in ${plural(c.outputsOnly.length, 'cell')} since v${input.version}`;
  }
  const latest = input.latest;
  const behind = latest !== null && latest > input.version ? `v${latest} exists (behind)` : null;
  return { ref: input.ref, changes, behind, inSync: c !== null && changes === null && behind === null };
}

/**
 * The version indices of chosen working-copy cells, for a split of the version: an
 * error sentence when a chosen cell is not in the version as it is here.
 */
export function versionIndices(
  chosen: number[],
  comparison: IComparison,
  versionRef: string
): { ok: true; cells: number[] } | { ok: false; error: string } {
  const changed = new Set([...comparison.added, ...comparison.modified]);
  const bad = chosen.filter(i => changed.has(i) || comparison.pairs[i] === null || comparison.pairs[i] === undefined);
  if (bad.length > 0) {
    const which = bad.map(i => i + 1).join(', ');
    return {
      ok: false,
      error: `Cell${bad.length === 1 ? '' : 's'} ${which} ${bad.length === 1 ? 'is' : 'are'} not in ${versionRef} as ` +
        'shown here (added or edited since). Save the notebook as a new version first, then split.'
    };
  }
  return { ok: true, cells: chosen.map(i => comparison.pairs[i] as number) };
}

/** The first line of a cell's source, shortened, for dialogs. */
export function firstLine(source: string | string[], max = 80): string {
  const line = sourceText(source).split('\n').find(l => l.trim() !== '') ?? '';
  const trimmed = line.trim();
  return trimmed.length > max ? `${trimmed.slice(0, max - 1)}…` : trimmed;
}
