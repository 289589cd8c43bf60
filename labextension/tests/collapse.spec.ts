import { describe, expect, it } from 'vitest';

import type { IDiffEntry } from '../src/api';
import { collapseUnchanged, PLACEHOLDER_KEY } from '../src/collapse';

function notebook(n: number): any {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: Array.from({ length: n }, (_, i) => ({
      id: `c${i}`,
      cell_type: 'code',
      metadata: {},
      source: `x${i} = ${i}`,
      outputs: [],
      execution_count: null
    }))
  };
}

const added = {
  id: 'new',
  cell_type: 'code',
  metadata: {},
  source: 'y = 1',
  outputs: [],
  execution_count: null
};

describe('collapseUnchanged', () => {
  it('keeps only the context of an appended cell, with one placeholder for the rest', () => {
    const base = notebook(1000);
    const diff: IDiffEntry[] = [
      { op: 'patch', key: 'cells', diff: [{ op: 'addrange', key: 1000, valuelist: [added] }] }
    ];
    const out = collapseUnchanged(base, diff, 2);
    expect(out.hidden).toBe(997);
    expect(out.runs).toBe(1);
    expect(out.base.cells.map((c: any) => c.id)).toEqual(['collapsed-0-996', 'c997', 'c998', 'c999']);
    expect((out.base.cells[0].metadata as any)[PLACEHOLDER_KEY]).toEqual({ first: 0, last: 996, count: 997 });
    expect(out.base.cells[0].source).toBe('⋯ 997 unchanged cells (1–997) not shown');
    // The insertion still goes after the last kept cell.
    expect(out.diff[0].diff).toEqual([{ op: 'addrange', key: 4, valuelist: [added] }]);
    // Nothing of the input was changed.
    expect(base.cells).toHaveLength(1000);
    expect(diff[0].diff![0].key).toBe(1000);
  });

  it('rewrites every kind of cell entry to the same cells of the shorter base', () => {
    const base = notebook(100);
    const entries: IDiffEntry[] = [
      { op: 'patch', key: 10, diff: [{ op: 'replace', key: 'source', value: 'changed' }] },
      { op: 'removerange', key: 50, length: 2 },
      { op: 'addrange', key: 80, valuelist: [added] }
    ];
    const out = collapseUnchanged(base, [{ op: 'patch', key: 'cells', diff: entries }, { op: 'patch', key: 'metadata', diff: [] }], 1);
    const ids = out.base.cells.map((c: any) => c.id);
    const rewritten = out.diff.find(e => e.key === 'cells')!.diff!;
    expect(ids[rewritten[0].key as number]).toBe('c10');
    expect(ids[rewritten[1].key as number]).toBe('c50');
    expect(ids[(rewritten[1].key as number) + 1]).toBe('c51');
    expect(ids[rewritten[2].key as number]).toBe('c80');
    expect(out.diff.find(e => e.key === 'metadata')).toEqual({ op: 'patch', key: 'metadata', diff: [] });
    // Every hidden cell is accounted for by a placeholder.
    const shown = ids.filter((id: string) => !id.startsWith('collapsed-')).length;
    expect(shown + out.hidden).toBe(100);
  });

  it('leaves small notebooks and short runs alone', () => {
    const base = notebook(6);
    const diff: IDiffEntry[] = [{ op: 'patch', key: 'cells', diff: [{ op: 'addrange', key: 6, valuelist: [added] }] }];
    expect(collapseUnchanged(base, diff, 2)).toEqual({ base, diff, hidden: 0, runs: 0 });
  });

  it('collapses a notebook whose cells did not change at all', () => {
    const base = notebook(50);
    const diff: IDiffEntry[] = [{ op: 'patch', key: 'metadata', diff: [{ op: 'add', key: 'x', value: 1 }] }];
    const out = collapseUnchanged(base, diff);
    expect(out.base.cells).toHaveLength(1);
    expect(out.hidden).toBe(50);
  });
});
