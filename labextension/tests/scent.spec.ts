import { describe, expect, it } from 'vitest';

import {
  actorLabel,
  matchFieldLabel,
  relativeTime,
  snippetSegments,
  stepLabels
} from '../src/scent';

const NOW = Date.parse('2026-12-04T22:00:00Z');

describe('relativeTime', () => {
  it.each([
    ['2026-12-04T21:59:30Z', 'just now'],
    ['2026-12-04T21:55:00Z', '5 min ago'],
    ['2026-12-04T20:00:00Z', '2 h ago'],
    ['2026-12-04T19:00:01Z', '2 h ago'],
    ['2026-12-01T22:00:00Z', '3 d ago'],
    ['2026-08-01T22:00:00Z', '4 mo ago'],
    ['2024-11-01T22:00:00Z', '2 y ago']
  ])('%s reads %s', (iso, text) => {
    expect(relativeTime(iso, NOW)).toBe(text);
  });

  it('reads a server clock slightly ahead as just now, not the future', () => {
    expect(relativeTime('2026-12-04T22:00:20Z', NOW)).toBe('just now');
  });

  it('gives back text it cannot read', () => {
    expect(relativeTime('yesterday', NOW)).toBe('yesterday');
  });
});

describe('stepLabels', () => {
  it('names the kind without underscores, then the method', () => {
    expect(
      stepLabels({
        step_type: 'cell_append',
        method: 'differential-expression'
      })
    ).toEqual(['cell append', 'differential-expression']);
  });

  it('says registered for a v1 no step made', () => {
    expect(stepLabels(null)).toEqual(['registered']);
  });

  it('claims nothing when the server did not say', () => {
    expect(stepLabels(undefined)).toEqual([]);
  });

  it('drops a method that repeats the kind, and an empty one', () => {
    expect(stepLabels({ step_type: 'fork', method: 'fork' })).toEqual(['fork']);
    expect(stepLabels({ step_type: 'derive', method: '' })).toEqual(['derive']);
    expect(stepLabels({ step_type: 'derive', method: null })).toEqual([
      'derive'
    ]);
  });
});

describe('actorLabel', () => {
  it('shows the actor, and the recorder when another principal recorded it', () => {
    expect(
      actorLabel({
        actor_type: 'agent',
        actor_id: 'ed-lein',
        recorded_by: 'alice'
      })
    ).toEqual({
      short: 'ed-lein',
      full: 'agent ed-lein · recorded by alice',
      recorder: 'alice'
    });
  });

  it('falls back to the actor type and leaves out a recorder who is the actor', () => {
    expect(
      actorLabel({ actor_type: 'human', actor_id: null, recorded_by: null })
        .short
    ).toBe('human');
    expect(
      actorLabel({ actor_type: 'human', actor_id: 'bo', recorded_by: 'bo' })
        .recorder
    ).toBeNull();
    expect(actorLabel(undefined).short).toBe('unknown');
  });
});

describe('matchFieldLabel', () => {
  it('names a cell by its index', () => {
    expect(
      matchFieldLabel({ field: 'cell', cell_index: 3, snippet: '', ranges: [] })
    ).toBe('cell 3');
    expect(
      matchFieldLabel({ field: 'cell', cell_index: 0, snippet: '', ranges: [] })
    ).toBe('cell 0');
    expect(matchFieldLabel({ field: 'title', snippet: '', ranges: [] })).toBe(
      'title'
    );
  });
});

describe('snippetSegments', () => {
  const marked = (segments: { text: string; mark: boolean }[]) =>
    segments.filter(s => s.mark).map(s => s.text);

  it('marks the ranges and keeps every character', () => {
    const snippet = 'microglia express TREM2 strongly';
    const segments = snippetSegments(snippet, [[18, 23]]);
    expect(segments).toEqual([
      { text: 'microglia express ', mark: false },
      { text: 'TREM2', mark: true },
      { text: ' strongly', mark: false }
    ]);
    expect(segments.map(s => s.text).join('')).toBe(snippet);
  });

  it('counts code points, not UTF-16 units (an emoji before the match)', () => {
    const snippet = '🧬🔬 TREM2 in microglia';
    // Python: snippet.index('TREM2') == 3; JavaScript's indexOf says 5.
    expect(snippet.indexOf('TREM2')).toBe(5);
    expect(
      marked(
        snippetSegments(snippet, [
          [3, 8],
          [12, 21]
        ])
      )
    ).toEqual(['TREM2', 'microglia']);
  });

  it('sorts, clips and joins ranges, and drops empty or malformed ones', () => {
    const snippet = 'abcdefghij';
    expect(
      marked(
        snippetSegments(snippet, [
          [8, 50],
          [0, 2],
          [1, 4],
          [5, 5],
          [-3, 0]
        ])
      )
    ).toEqual(['abcd', 'ij']);
    expect(snippetSegments(snippet, [[1.5, 3] as [number, number]])).toEqual([
      { text: snippet, mark: false }
    ]);
  });

  it('gives one plain segment without ranges, none for an empty snippet', () => {
    expect(snippetSegments('plain', [])).toEqual([
      { text: 'plain', mark: false }
    ]);
    expect(snippetSegments('', [[0, 3]])).toEqual([]);
  });
});
