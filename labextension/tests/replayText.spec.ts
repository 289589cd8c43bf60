import { describe, expect, it } from 'vitest';

import type { Replay } from '../src/replayTypes';
import {
  agoText,
  cellNotes,
  chipDetail,
  countsOf,
  hasDiff,
  languageLabel,
  verdictLabel,
  verdictSentence,
  verdictTooltip
} from '../src/replayText';

const NOW = Date.parse('2026-12-06T03:00:00Z');

function replay(over: Partial<Replay> = {}): Replay {
  return {
    replay_id: '9b1c',
    ref: 'NB-12@v3',
    notebook_id: 'NB-12',
    version_number: 3,
    status: 'reproduced',
    cells: [],
    counts: { code_cells: 40, same: 40, differs: 0, error: 0, skipped: 2 },
    duration_ms: 4200,
    kernel: { name: 'python3', language: 'python', language_version: '3.11.9' },
    environment: {
      python: '3.11.9 (main, Apr  2 2024, 08:25:04) [GCC 13.2.0]',
      packages_hash: 'sha256:0123456789abcdef0123',
      packages: ['numpy==2.1.0', 'pandas==2.2.3']
    },
    message: null,
    progress: { done: 40, total: 40 },
    created_at: '2026-12-06T02:59:40Z',
    finished_at: '2026-12-06T02:59:48Z',
    ...over
  };
}

describe('verdictLabel', () => {
  it('reads reproduced with how long ago and the Python version', () => {
    expect(verdictLabel(replay(), NOW)).toBe('Reproduced ✓ 12 s ago · Python 3.11');
  });

  it('counts the cells that differ among the code cells', () => {
    const r = replay({ status: 'differs', counts: { code_cells: 40, same: 37, differs: 3, error: 0, skipped: 1 } });
    expect(verdictLabel(r, NOW)).toBe('Differs in 3 of 40 cells');
  });

  it('names the first cell that raised, counting from 1', () => {
    const r = replay({
      status: 'failed',
      cells: [
        { index: 0, cell_id: 'a', verdict: 'skipped' },
        { index: 6, cell_id: 'g', verdict: 'error', detail: 'raised ZeroDivisionError: division by zero' },
        { index: 9, cell_id: 'j', verdict: 'error' }
      ]
    });
    expect(verdictLabel(r, NOW)).toBe('Failed in cell 7');
    expect(verdictLabel(replay({ status: 'failed', cells: [] }), NOW)).toBe('Failed');
  });

  it('reads a timeout, progress while running, and no replay at all', () => {
    expect(verdictLabel(replay({ status: 'timeout' }), NOW)).toBe('Timed out');
    expect(verdictLabel(replay({ status: 'running', progress: { done: 5, total: 40 } }), NOW)).toBe('Replaying… 5 of 40');
    expect(verdictLabel(replay({ status: 'running', progress: { done: 0, total: 0 } }), NOW)).toBe('Replaying…');
    expect(verdictLabel(null, NOW)).toBe('Not replayed yet');
  });

  it('leaves the language out of a compact badge', () => {
    expect(verdictLabel(replay(), NOW, true)).toBe('Reproduced ✓ 12 s ago');
  });

  it('leaves the language out when the replay does not say it', () => {
    expect(verdictLabel(replay({ kernel: null, environment: null }), NOW)).toBe('Reproduced ✓ 12 s ago');
  });
});

describe('languageLabel', () => {
  it('prefers the environment the cells ran in, major.minor only', () => {
    expect(languageLabel(replay())).toBe('Python 3.11');
    expect(languageLabel(replay({ environment: { python: null }, kernel: { name: 'py', language: 'python', language_version: '3.12.1' } })))
      .toBe('Python 3.12');
  });

  it('names another language by the kernel', () => {
    expect(languageLabel(replay({ environment: null, kernel: { name: 'ir', language: 'R', language_version: '4.3.2' } })))
      .toBe('R 4.3');
  });
});

describe('agoText', () => {
  it('counts seconds within the first minute, then reads as elsewhere', () => {
    expect(agoText('2026-12-06T02:59:48Z', NOW)).toBe('12 s ago');
    expect(agoText('2026-12-06T02:59:57Z', NOW)).toBe('just now');
    expect(agoText('2026-12-06T03:00:05Z', NOW)).toBe('just now');
    expect(agoText('2026-12-06T02:55:00Z', NOW)).toBe('5 min ago');
  });
});

describe('countsOf', () => {
  it('counts the cells of a reply without counts', () => {
    const r = replay({
      counts: null,
      cells: [
        { index: 0, cell_id: null, verdict: 'skipped' },
        { index: 1, cell_id: null, verdict: 'same' },
        { index: 2, cell_id: null, verdict: 'differs' },
        { index: 3, cell_id: null, verdict: 'error' }
      ]
    });
    expect(countsOf(r)).toEqual({ code_cells: 3, same: 1, differs: 1, error: 1, skipped: 1 });
  });
});

describe('verdictTooltip', () => {
  it('says what the verdict means, when, the kernel, the packages and which cells', () => {
    const r = replay({
      status: 'differs',
      counts: { code_cells: 4, same: 3, differs: 1, error: 0, skipped: 0 },
      cells: [{ index: 2, cell_id: 'c', verdict: 'differs', detail: 'image differs (pixels)' }]
    });
    const text = verdictTooltip(r, NOW);
    expect(text).toContain('Replay of NB-12@v3: differs');
    expect(text).toContain('Replayed 12 s ago, took 4.2 s');
    expect(text).toContain('Kernel: python3 · Python 3.11');
    expect(text).toContain('Packages: sha256:0123456789ab… (2 packages)');
    expect(text).toContain('3 same, 1 differ, 0 raised, 0 skipped');
    expect(text).toContain('cell 3: image differs (pixels)');
  });

  it('keeps the server message and markup as plain text', () => {
    const text = verdictTooltip(replay({ status: 'timeout', message: '<b>600 s</b> passed in cell 4' }), NOW);
    expect(text).toContain('<b>600 s</b> passed in cell 4');
  });
});

describe('cellNotes', () => {
  it('lists at most a few cells, then how many more', () => {
    const cells = Array.from({ length: 8 }, (_, i) => ({ index: i, cell_id: null, verdict: 'differs' as const }));
    const notes = cellNotes(replay({ cells }), 3);
    expect(notes).toEqual(['cell 1: outputs differ', 'cell 2: outputs differ', 'cell 3: outputs differ', 'and 5 more']);
  });
});

describe('chipDetail and hasDiff', () => {
  it('gives a chip one line, and a diff only when something came out otherwise', () => {
    expect(chipDetail(replay({ status: 'timeout' }), NOW)).toBe('Replay: Timed out');
    expect(chipDetail(null, NOW)).toBeUndefined();
    expect(hasDiff(replay({ status: 'differs' }))).toBe(true);
    expect(hasDiff(replay({ status: 'failed' }))).toBe(true);
    expect(hasDiff(replay())).toBe(false);
    expect(hasDiff(replay({ status: 'running' }))).toBe(false);
    expect(hasDiff(null)).toBe(false);
  });
});

describe('verdictSentence', () => {
  it('says the verdict, how long it took, and the first cell that came out otherwise or the message', () => {
    expect(verdictSentence(replay())).toBe('NB-12@v3: Reproduced ✓ · Python 3.11 (took 4.2 s)');
    const differs = replay({
      status: 'differs',
      counts: { code_cells: 4, same: 3, differs: 1, error: 0, skipped: 1 },
      cells: [{ index: 4, cell_id: 'draw', verdict: 'differs', detail: 'text differs (stdout)' }]
    });
    expect(verdictSentence(differs)).toBe('NB-12@v3: Differs in 1 of 4 cells (took 4.2 s). cell 5: text differs (stdout)');
    expect(verdictSentence(replay({ status: 'timeout', duration_ms: null, message: 'The replay passed its 60 s limit in cell 3.' })))
      .toBe('NB-12@v3: Timed out. The replay passed its 60 s limit in cell 3.');
  });
});
