import { describe, expect, it } from 'vitest';

import type { Reference } from '../src/api';
import { codeUnitIndex, placeChips, tokenLength } from '../src/chips';

function ref(artifact_id: string, version_number: number, offset: number, role: Reference['role'] = 'output'): Reference {
  return { artifact_id, version_number, content_hash: 'sha256:x', role, cited_at_offset_chars: offset };
}

/** The offset Python would give: code points, not UTF-16 units. */
function pyOffset(text: string, token: string): number {
  return Array.from(text.slice(0, text.indexOf(token))).length;
}

describe('codeUnitIndex', () => {
  it('is the identity for text without astral characters', () => {
    expect(codeUnitIndex('état NB-12', 5)).toBe(5);
  });

  it('counts an emoji as one character but two UTF-16 units', () => {
    const text = '🔗 see NB-12';
    expect(text.indexOf('NB-12')).toBe(7);
    expect(codeUnitIndex(text, 6)).toBe(7);
  });
});

describe('placeChips', () => {
  it('replaces each cited token by a chip, versions as written', () => {
    const text = 'NB-12@v3 gives TREM2 log2FC of about +0.8, consistent with hypothesis-H-89.';
    const segments = placeChips(text, [ref('NB-12', 3, 0), ref('hypothesis-H-89', 3, pyOffset(text, 'hypothesis-H-89'))]);
    expect(segments).toEqual([
      { kind: 'chip', ref: 'NB-12@v3', artifactId: 'NB-12', versionNumber: 3, text: '🔗 NB-12@v3' },
      { kind: 'text', text: ' gives TREM2 log2FC of about +0.8, consistent with ' },
      { kind: 'chip', ref: 'hypothesis-H-89@v3', artifactId: 'hypothesis-H-89', versionNumber: 3, text: '🔗 hypothesis-H-89@v3' },
      { kind: 'text', text: '.' }
    ]);
  });

  it('places chips right after multi-byte and astral text', () => {
    const text = 'Déjà vu 🧬🧪 — voir paper-P-77 et NB-12@v2.';
    const segments = placeChips(text, [ref('NB-12', 2, pyOffset(text, 'NB-12')), ref('paper-P-77', 1, pyOffset(text, 'paper-P-77'))]);
    expect(segments.map(s => s.text)).toEqual(['Déjà vu 🧬🧪 — voir ', '🔗 paper-P-77@v1', ' et ', '🔗 NB-12@v2', '.']);
  });

  it('keeps the text when it does not sit at the offset, and skips evidence', () => {
    const segments = placeChips('nothing here', [ref('NB-12', 1, 3), ref('H-1', 1, -1, 'evidence')]);
    expect(segments).toEqual([
      { kind: 'text', text: 'not' },
      { kind: 'chip', ref: 'NB-12@v1', artifactId: 'NB-12', versionNumber: 1, text: '🔗 NB-12@v1' },
      { kind: 'text', text: 'hing here' }
    ]);
  });

  it('takes the @v suffix of the run, as the citation rule does, but not the sentence\'s punctuation', () => {
    expect(tokenLength('see NB-12@v3x. ok', 4, 'NB-12')).toBe('NB-12@v3x'.length);
    expect(tokenLength('see NB-12, ok', 4, 'NB-12')).toBe(5);
    expect(tokenLength('see NB-1', 4, 'NB-12')).toBe(0);
  });

  it('renders text as text: markup in a round is just characters', () => {
    const text = '<img src=x onerror=alert(1)> NB-12@v1';
    const segments = placeChips(text, [ref('NB-12', 1, pyOffset(text, 'NB-12'))]);
    expect(segments[0]).toEqual({ kind: 'text', text: '<img src=x onerror=alert(1)> ' });
  });
});
