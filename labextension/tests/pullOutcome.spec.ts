import { describe, expect, it } from 'vitest';

import { describePull, IPinLike } from '../src/pullOutcome';

const pin = (ref: string, role: string): IPinLike => {
  const [artifact_id, v] = ref.split('@v');
  return { artifact_id, version_number: Number(v), ref, role };
};

describe('describePull', () => {
  it('names the new pin and its role', () => {
    const out = describePull(
      'NB-12',
      'input',
      'Design',
      [],
      [pin('NB-12@v3', 'input')]
    );
    expect(out).toEqual({
      ref: 'NB-12@v3',
      pinned: true,
      role: 'input',
      message: 'Pulled NB-12@v3 into "Design" as input.'
    });
  });

  it('tells the truth on a re-pull with another role: the first role stays', () => {
    const pins = [pin('NB-12@v2', 'input')];
    const out = describePull('NB-12@v2', 'reference', 'Design', pins, pins);
    expect(out.pinned).toBe(false);
    expect(out.role).toBe('input');
    expect(out.message).toContain('NB-12@v2 was already pinned as input');
    expect(out.message).toContain('reference was not applied');
    expect(out.message).not.toMatch(/^Pulled/);
  });

  it('says nothing changed on a re-pull with the same role', () => {
    const pins = [pin('NB-12@v2', 'reference')];
    const out = describePull('NB-12@v2', 'reference', 'D', pins, pins);
    expect(out.message).toBe(
      'NB-12@v2 was already pinned as reference in "D": nothing changed.'
    );
  });

  it('reads a bare id as the latest pinned version of it', () => {
    const pins = [
      pin('H-89@v1', 'workbench'),
      pin('H-89@v3', 'input'),
      pin('P-77@v1', 'reference')
    ];
    const out = describePull('H-89', 'reference', 'D', pins, pins);
    expect(out.ref).toBe('H-89@v3');
    expect(out.role).toBe('input');
  });

  it('takes the one new pin when the reference was a row id', () => {
    const out = describePull(
      'NB-12-fork',
      'reference',
      'D',
      [],
      [pin('NB-12@v2', 'reference')]
    );
    expect(out.ref).toBe('NB-12@v2');
    expect(out.pinned).toBe(true);
  });
});
