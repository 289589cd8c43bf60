import { afterEach, describe, expect, it, vi } from 'vitest';

import {
  BackForward,
  clickOpens,
  openAsChip,
  setVersionOpener
} from '../src/preview';

describe('BackForward', () => {
  it('moves back and forward through the places visited', () => {
    const h = new BackForward('NB-12@v1');
    expect(h.canGoBack).toBe(false);
    h.visit('NB-12@v2');
    h.visit('NB-12@v3');
    expect(h.peek(-1)).toBe('NB-12@v2');
    h.move(-1);
    h.move(-1);
    expect(h.current).toBe('NB-12@v1');
    expect(h.canGoBack).toBe(false);
    expect(h.canGoForward).toBe(true);
    expect(h.peek(-1)).toBeNull();
    h.move(-1); // nothing before the first place
    expect(h.current).toBe('NB-12@v1');
    h.move(1);
    expect(h.current).toBe('NB-12@v2');
  });

  it('drops the forward places on a new visit', () => {
    const h = new BackForward('a');
    h.visit('b');
    h.visit('c');
    h.move(-1);
    h.move(-1);
    h.visit('d');
    expect(h.current).toBe('d');
    expect(h.canGoForward).toBe(false);
    expect(h.peek(-1)).toBe('a');
  });

  it('keeps at most its limit, dropping the oldest', () => {
    const h = new BackForward(0, 3);
    for (let i = 1; i <= 5; i++) {
      h.visit(i);
    }
    h.move(-1);
    h.move(-1);
    expect(h.current).toBe(3);
    expect(h.canGoBack).toBe(false);
  });
});

describe('clickOpens', () => {
  it('opens the preview on a single click or a keyboard activation, not on the second click of a double click', () => {
    expect(clickOpens(1)).toBe('preview');
    expect(clickOpens(0)).toBe('preview');
    expect(clickOpens(2)).toBeNull();
    expect(clickOpens(3)).toBeNull();
  });
});

describe('openAsChip', () => {
  afterEach(() => setVersionOpener(null));

  it("uses the chip's own opener when no views plugin set one", () => {
    const fallback = vi.fn();
    openAsChip('NB-12@v2', true, fallback);
    expect(fallback).toHaveBeenCalledWith('NB-12@v2');
  });

  it('goes through the opener the views plugin set, with the preview flag', () => {
    const opener = vi.fn();
    const fallback = vi.fn();
    setVersionOpener(opener);
    openAsChip('NB-12@v2', true, fallback);
    openAsChip('NB-12@v3', false, fallback);
    expect(opener.mock.calls).toEqual([
      ['NB-12@v2', true],
      ['NB-12@v3', false]
    ]);
    expect(fallback).not.toHaveBeenCalled();
  });
});
