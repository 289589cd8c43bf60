import { describe, expect, it } from 'vitest';

import { formatPath, jsonDiff, jsonEqual } from '../src/jsonDiff';

describe('jsonDiff', () => {
  it('shows null → value as added, value → null as removed, never as a change', () => {
    expect(jsonDiff(null, 'title follows the statement')).toEqual([
      { path: [], kind: 'added', new: 'title follows the statement' }
    ]);
    expect(jsonDiff('narrowed', null)).toEqual([
      { path: [], kind: 'removed', old: 'narrowed' }
    ]);
    expect(jsonDiff({ a: null }, { a: 1 })).toEqual([
      { path: ['a'], kind: 'added', new: 1 }
    ]);
  });

  it('walks nested objects per key path', () => {
    const before = {
      statement: 'old',
      meta: { doi: '10.1/x', year: 2020 },
      gone: true
    };
    const after = {
      statement: 'new',
      meta: { doi: '10.1/x', year: 2021, journal: 'N' }
    };
    expect(jsonDiff(before, after)).toEqual([
      { path: ['statement'], kind: 'changed', old: 'old', new: 'new' },
      { path: ['meta', 'year'], kind: 'changed', old: 2020, new: 2021 },
      { path: ['meta', 'journal'], kind: 'added', new: 'N' },
      { path: ['gone'], kind: 'removed', old: true }
    ]);
  });

  it('aligns arrays on equal items: one removed tag is one removal', () => {
    expect(jsonDiff({ tags: ['a', 'b', 'c'] }, { tags: ['a', 'c'] })).toEqual([
      { path: ['tags', 1], kind: 'removed', old: 'b' }
    ]);
    expect(
      jsonDiff([{ n: 1 }, { n: 2 }], [{ n: 1 }, { n: 3 }, { n: 4 }])
    ).toEqual([
      { path: [1, 'n'], kind: 'changed', old: 2, new: 3 },
      { path: [2], kind: 'added', new: { n: 4 } }
    ]);
  });

  it('gives nothing for equal values, whatever the key order', () => {
    expect(
      jsonDiff({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })
    ).toEqual([]);
    expect(jsonEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
  });

  it('treats a change of type as a change of the whole value', () => {
    expect(jsonDiff({ a: [1] }, { a: { x: 1 } })).toEqual([
      { path: ['a'], kind: 'changed', old: [1], new: { x: 1 } }
    ]);
  });
});

describe('formatPath', () => {
  it('reads like an accessor', () => {
    expect(formatPath([])).toBe('');
    expect(formatPath(['statement'])).toBe('statement');
    expect(formatPath(['authors', 2, 'name'])).toBe('authors[2].name');
    expect(formatPath(['odd key'])).toBe('["odd key"]');
  });
});
