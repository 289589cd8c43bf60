import { describe, expect, it } from 'vitest';

import { countConflicts, describeConflicts, mergeTitle, nextConflict } from '../src/mergeNav';

describe('conflicts of a merge', () => {
  const places = [{ left: 0 }, { left: 2 }, { left: 0 }, { left: 1 }];

  it('counts decisions and the places holding them', () => {
    expect(countConflicts(places)).toEqual({ decisions: 3, places: 2 });
    expect(countConflicts([])).toEqual({ decisions: 0, places: 0 });
  });

  it('says how many are left, or that none is', () => {
    expect(describeConflicts({ decisions: 3, places: 2 })).toBe('3 conflicts left in 2 places');
    expect(describeConflicts({ decisions: 1, places: 1 })).toBe('1 conflict left in 1 place');
    expect(describeConflicts({ decisions: 0, places: 0 })).toBe('No conflicts left: ready to commit');
  });

  it('walks to the next unresolved place, wrapping around', () => {
    expect(nextConflict(places, -1)).toBe(1);
    expect(nextConflict(places, 1)).toBe(3);
    expect(nextConflict(places, 3)).toBe(1);
    expect(nextConflict([{ left: 0 }, { left: 1 }], 1)).toBe(1); // the only one left: stay
    expect(nextConflict([{ left: 0 }], 0)).toBe(-1);
    expect(nextConflict([], -1)).toBe(-1);
  });

  it('titles the tab as shared/UI.md says', () => {
    expect(mergeTitle('NB-12', 'NB-12-fork')).toBe('Merge NB-12 ← NB-12-fork');
  });
});
