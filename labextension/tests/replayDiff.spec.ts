import { describe, expect, it } from 'vitest';

import { outputChanges } from '../src/replayDiff';
import type { IDiffEntry } from '../src/types';

// nbdime.diff_notebooks of a stored notebook (markdown, 3 code cells) against its replay: every
// code cell has a new execution count, cell 2's result new output metadata, cell 3 another number.
const DIFF = [
  { op: 'patch', key: 'cells', diff: [
    { op: 'patch', key: 1, diff: [{ op: 'replace', key: 'execution_count', value: 1 }] },
    { op: 'patch', key: 2, diff: [
      { op: 'replace', key: 'execution_count', value: 2 },
      { op: 'patch', key: 'outputs', diff: [{ op: 'patch', key: 0, diff: [
        { op: 'replace', key: 'execution_count', value: 2 },
        { op: 'patch', key: 'metadata', diff: [{ op: 'add', key: 'a', value: 1 }] }
      ] }] }
    ] },
    { op: 'patch', key: 3, diff: [
      { op: 'replace', key: 'execution_count', value: 3 },
      { op: 'patch', key: 'outputs', diff: [{ op: 'patch', key: 0, diff: [
        { op: 'patch', key: 'text', diff: [{ op: 'patch', key: 0, diff: [
          { op: 'addrange', key: 2, valuelist: '7' },
          { op: 'removerange', key: 2, length: 1 }
        ] }] }
      ] }] }
    ] }
  ] }
] as IDiffEntry[];

describe('outputChanges', () => {
  it('leaves out execution counts and output metadata, keeping the outputs that came out otherwise', () => {
    const { diff, summary } = outputChanges(DIFF, { added: [], removed: [], modified: [1, 2, 3], unchanged_count: 1 }, 4);
    expect(summary).toEqual({ added: [], removed: [], modified: [3], unchanged_count: 3 });
    const cells = diff[0].diff!;
    expect(cells.map(c => c.key)).toEqual([3]);
    expect(cells[0].diff!.map(e => e.key)).toEqual(['outputs']);
    expect(JSON.stringify(cells[0].diff)).toContain('"valuelist":"7"');
  });

  it('keeps outputs added or removed, and changes to anything else of a cell', () => {
    const diff = [{ op: 'patch', key: 'cells', diff: [
      { op: 'patch', key: 1, diff: [{ op: 'patch', key: 'outputs', diff: [{ op: 'addrange', key: 0, valuelist: [{ output_type: 'error' }] }] }] },
      { op: 'patch', key: 2, diff: [{ op: 'patch', key: 'source', diff: [] }, { op: 'replace', key: 'cell_type', value: 'raw' }] }
    ] }] as IDiffEntry[];
    const { summary } = outputChanges(diff, { added: [], removed: [], modified: [1, 2], unchanged_count: 0 }, 3);
    expect(summary.modified).toEqual([1, 2]);
    expect(summary.unchanged_count).toBe(1);
  });

  it('reads an empty diff as nothing changed', () => {
    expect(outputChanges([], { added: [], removed: [], modified: [], unchanged_count: 5 }, 5).summary)
      .toEqual({ added: [], removed: [], modified: [], unchanged_count: 5 });
  });
});
