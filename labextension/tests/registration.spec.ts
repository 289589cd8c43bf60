import { describe, expect, it } from 'vitest';

import { describeRegistered, trailingEmptyCells } from '../src/registration';

describe('trailingEmptyCells', () => {
  it('counts only the whitespace-only cells at the end', () => {
    const cells = [
      { source: '' },
      { source: 'x = 1' },
      { source: ['  ', '\n'] },
      { source: '\t\n' }
    ];
    expect(trailingEmptyCells(cells)).toBe(2);
    expect(trailingEmptyCells([{ source: 'a' }])).toBe(0);
    expect(trailingEmptyCells([])).toBe(0);
  });

  it('keeps an empty cell that has outputs', () => {
    expect(
      trailingEmptyCells([
        { source: 'a' },
        { source: '', outputs: [{ output_type: 'stream' }] }
      ])
    ).toBe(0);
  });
});

describe('describeRegistered', () => {
  it('says what was recorded and what was left out', () => {
    expect(describeRegistered('NB-12@v1', 5, 1)).toBe(
      'Registered NB-12@v1: 5 cells (left out 1 trailing empty cell).'
    );
    expect(describeRegistered('NB-12@v1', 1, 0)).toBe(
      'Registered NB-12@v1: 1 cell.'
    );
    expect(describeRegistered('X@v1', 2, 3)).toBe(
      'Registered X@v1: 2 cells (left out 3 trailing empty cells).'
    );
  });
});
