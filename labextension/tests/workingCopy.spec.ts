import { describe, expect, it } from 'vitest';

import {
  compareCells,
  firstLine,
  hasChanges,
  ICellLike,
  longestIncreasing,
  sameOutputs,
  statusText,
  versionIndices
} from '../src/workingCopy';

const code = (id: string, source: string, outputs: unknown[] = []): ICellLike => ({ id, cell_type: 'code', source, outputs });
const md = (id: string, source: string): ICellLike => ({ id, cell_type: 'markdown', source });

const V3 = [md('a', '# Title'), code('b', 'x = 1'), code('c', 'y = x + 1'), code('d', 'print(y)')];

describe('compareCells', () => {
  it('finds nothing in an unchanged copy (sources as lists or strings)', () => {
    const copy = V3.map(c => ({ ...c, source: [String(c.source)] }));
    const c = compareCells(copy, V3);
    expect(c.changedCells).toBe(0);
    expect(c.pairs).toEqual([0, 1, 2, 3]);
    expect(hasChanges(c)).toBe(false);
  });

  it('counts an edited cell once, by its id', () => {
    const copy = [V3[0], code('b', 'x = 2'), V3[2], V3[3]];
    const c = compareCells(copy, V3);
    expect(c.modified).toEqual([1]);
    expect(c.changedCells).toBe(1);
  });

  it('tells added, removed and moved cells apart', () => {
    const added = compareCells([...V3, code('e', 'z = 3')], V3);
    expect(added.added).toEqual([4]);
    expect(added.changedCells).toBe(1);
    const removed = compareCells([V3[0], V3[1]], V3);
    expect(removed.removed).toEqual([2, 3]);
    expect(removed.changedCells).toBe(2);
    const moved = compareCells([V3[0], V3[2], V3[1], V3[3]], V3);
    expect(moved.moved).toHaveLength(1);
    expect(moved.changedCells).toBe(1);
  });

  it('pairs leftover cells between the same neighbours by position: one edited cell', () => {
    // d (not in the copy) and e (not in the version) sit at the same place: d was edited into e.
    const c = compareCells([V3[0], V3[1], V3[2], code('e', 'z = 3'), code('f', 'w = 4')], V3);
    expect(c.modified).toEqual([3]);
    expect(c.added).toEqual([4]);
    expect(c.removed).toEqual([]);
    expect(c.changedCells).toBe(2);
  });

  it('matches a cell that came back from the server under another id (an append)', () => {
    const stored = [...V3, code('server-id', 'print(x)')];
    const copy = [...V3, code('lab-id', 'print(x)')];
    expect(compareCells(copy, stored).changedCells).toBe(0);
    // ... and an edit of that cell is one modified cell, not one added and one removed.
    const edited = [...V3, code('lab-id', 'print(x, y)')];
    const c = compareCells(edited, stored);
    expect(c.modified).toEqual([4]);
    expect(c.added).toEqual([]);
    expect(c.removed).toEqual([]);
    expect(c.pairs[4]).toBe(4);
  });

  it('says outputs changed separately (execution counts and metadata ignored)', () => {
    const stored = [code('b', 'print(1)', [{ output_type: 'stream', name: 'stdout', text: ['1\n'] }])];
    const rerun = [code('b', 'print(1)', [{ output_type: 'stream', name: 'stdout', text: '1\n' }])];
    expect(compareCells(rerun, stored).outputsOnly).toEqual([]);
    const other = [code('b', 'print(1)', [{ output_type: 'stream', name: 'stdout', text: '2\n' }])];
    const c = compareCells(other, stored);
    expect(c.outputsOnly).toEqual([0]);
    expect(c.changedCells).toBe(0);
    expect(hasChanges(c)).toBe(true);
    expect(sameOutputs(
      [{ output_type: 'execute_result', execution_count: 3, data: { 'text/plain': ['4'] }, metadata: { a: 1 } }],
      [{ output_type: 'execute_result', execution_count: 9, data: { 'text/plain': '4' }, metadata: {} }]
    )).toBe(true);
  });

  it('counts a change of cell type as an edit', () => {
    const copy = [{ ...V3[0], cell_type: 'raw' }, V3[1], V3[2], V3[3]];
    expect(compareCells(copy, V3).modified).toEqual([0]);
  });

  it('finds a longest increasing run', () => {
    expect([...longestIncreasing([0, 2, 1, 3])].length).toBe(3);
    expect(longestIncreasing([])).toEqual(new Set());
  });
});

describe('statusText', () => {
  const base = { ref: 'NB-12@v3', version: 3 };
  it('reads in sync, N cells changed, and behind', () => {
    const same = compareCells(V3, V3);
    expect(statusText({ ...base, latest: 3, comparison: same })).toEqual(
      { ref: 'NB-12@v3', changes: null, behind: null, inSync: true });
    const two = compareCells([V3[0], code('b', 'x = 5'), V3[2]], V3);
    expect(statusText({ ...base, latest: 3, comparison: two }).changes).toBe('2 cells changed since v3');
    const behind = statusText({ ...base, latest: 4, comparison: same });
    expect(behind.behind).toBe('v4 exists (behind)');
    expect(behind.inSync).toBe(false);
    expect(statusText({ ...base, latest: null, comparison: null }).inSync).toBe(false);
  });

  it('names outputs-only changes', () => {
    const stored = [code('b', 'print(1)', [])];
    const ran = [code('b', 'print(1)', [{ output_type: 'stream', name: 'stdout', text: '1\n' }])];
    expect(statusText({ ...base, latest: 3, comparison: compareCells(ran, stored) }).changes)
      .toBe('outputs changed in 1 cell since v3');
  });
});

describe('versionIndices (split)', () => {
  it("maps the copy's selection to the version's indices", () => {
    const copy = [V3[0], V3[2], V3[1], V3[3]]; // reordered in the copy
    expect(versionIndices([1, 2], compareCells(copy, V3), 'NB-12@v3')).toEqual({ ok: true, cells: [2, 1] });
  });

  it('refuses a cell that is not in the version as shown', () => {
    const copy = [V3[0], code('b', 'x = 9'), V3[2], code('new', 'z')];
    const out = versionIndices([1, 3], compareCells(copy, V3), 'NB-12@v3');
    expect(out.ok).toBe(false);
    expect(!out.ok && out.error).toMatch(/^Cells 2, 4 are not in NB-12@v3 as shown here/);
  });
});

describe('firstLine', () => {
  it('is the first non-empty line, trimmed and shortened', () => {
    expect(firstLine('\n  import os\nx = 1')).toBe('import os');
    expect(firstLine(['', 'a'.repeat(100)], 10)).toBe(`${'a'.repeat(9)}…`);
    expect(firstLine('')).toBe('');
  });
});
