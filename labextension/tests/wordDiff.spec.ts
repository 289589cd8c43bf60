import { describe, expect, it } from 'vitest';

import { lcsOps, similarity, tokenize, wordDiff } from '../src/wordDiff';

const join = (segments: { kind: string; text: string }[], keep: string) =>
  segments
    .filter(s => s.kind === 'same' || s.kind === keep)
    .map(s => s.text)
    .join('');

describe('tokenize', () => {
  it('splits words, punctuation and whitespace, and loses nothing', () => {
    const text =
      "Loss of microglial TREM2 raises plaque load (in aged, 18-month mice); it's 2.5×.";
    expect(tokenize(text).join('')).toBe(text);
    expect(tokenize('load.')).toEqual(['load', '.']);
    expect(tokenize("18-month it's")).toEqual(['18-month', ' ', "it's"]);
    expect(tokenize('Mikroglia über')).toEqual(['Mikroglia', ' ', 'über']);
  });
});

describe('wordDiff', () => {
  it('finds the removed and the added words of the H-89 statement', () => {
    const before = 'Loss of microglial TREM2 raises amyloid plaque load.';
    const after = 'Loss of microglial TREM2 raises plaque load in aged mice.';
    const segments = wordDiff(before, after);
    expect(segments).toEqual([
      { kind: 'same', text: 'Loss of microglial TREM2 raises ' },
      { kind: 'removed', text: 'amyloid ' },
      { kind: 'same', text: 'plaque load' },
      { kind: 'added', text: ' in aged mice' },
      { kind: 'same', text: '.' }
    ]);
    // Each side reads back exactly.
    expect(join(segments, 'removed')).toBe(before);
    expect(join(segments, 'added')).toBe(after);
  });

  it('gives one same segment for equal texts and nothing for two empty ones', () => {
    expect(wordDiff('a b', 'a b')).toEqual([{ kind: 'same', text: 'a b' }]);
    expect(wordDiff('', '')).toEqual([]);
    expect(wordDiff('', 'new text')).toEqual([
      { kind: 'added', text: 'new text' }
    ]);
    expect(wordDiff('old', '')).toEqual([{ kind: 'removed', text: 'old' }]);
  });

  it('reads a run of replaced words as one replacement, removed first', () => {
    expect(wordDiff('keep one two keep', 'keep three four keep')).toEqual([
      { kind: 'same', text: 'keep ' },
      { kind: 'removed', text: 'one two' },
      { kind: 'added', text: 'three four' },
      { kind: 'same', text: ' keep' }
    ]);
  });

  it('keeps both sides exact on multi-line text', () => {
    const before = 'Line one.\nLine two has words.\n\nLast line';
    const after = 'Line one!\nLine two has more words.\nLast line\n';
    const segments = wordDiff(before, after);
    expect(join(segments, 'removed')).toBe(before);
    expect(join(segments, 'added')).toBe(after);
    expect(segments.filter(s => s.kind === 'added').map(s => s.text)).toContain(
      'more '
    );
  });

  it('falls back to a whole replacement past its size limit, still exact', () => {
    const before = Array.from({ length: 2100 }, (_, i) => `a${i}`).join(' ');
    const after = Array.from({ length: 2100 }, (_, i) => `b${i}`).join(' ');
    const segments = wordDiff(before, after);
    expect(join(segments, 'removed')).toBe(before);
    expect(join(segments, 'added')).toBe(after);
  });
});

describe('similarity', () => {
  it('is 1 for equal texts, 0 with no word in common, in between otherwise', () => {
    expect(similarity(wordDiff('same words', 'same words'))).toBe(1);
    expect(
      similarity(wordDiff('<img src=x> TREM2', 'revised <b>claim</b>'))
    ).toBe(0);
    const s = similarity(wordDiff('a b c d', 'a b c e'));
    expect(s).toBeCloseTo(0.75);
  });
});

describe('lcsOps', () => {
  it('aligns on the longest common subsequence', () => {
    const ops = lcsOps(['a', 'b', 'c', 'd'], ['b', 'x', 'd']);
    expect(ops.map(o => `${o.kind[0]}${o.item}`)).toEqual([
      'ra',
      'sb',
      'rc',
      'ax',
      'sd'
    ]);
  });
});
