/**
 * The preview tab (shared/UI.md, "one tab that follows you"), its pure parts:
 * the back/forward history a version tab keeps, how a click on a chip or a row
 * opens a version (single click: the preview tab; double click: pinned), and
 * the one opener every chip uses. No DOM beyond a mouse event's `detail`:
 * unit-tested in tests/preview.spec.ts.
 */

/** Where a tab has been: back and forward move within it, a new visit drops the forward part. */
export class BackForward<T> {
  constructor(
    first: T,
    private readonly _max = 50
  ) {
    this._entries = [first];
  }

  get current(): T {
    return this._entries[this._index];
  }

  get canGoBack(): boolean {
    return this._index > 0;
  }

  get canGoForward(): boolean {
    return this._index < this._entries.length - 1;
  }

  /** A new place (after the current one); the oldest are dropped past the limit. */
  visit(entry: T): void {
    this._entries = [...this._entries.slice(0, this._index + 1), entry].slice(
      -this._max
    );
    this._index = this._entries.length - 1;
  }

  /** The entry one step back (or forward), without moving: the move is made once it is shown. */
  peek(step: -1 | 1): T | null {
    const i = this._index + step;
    return i >= 0 && i < this._entries.length ? this._entries[i] : null;
  }

  move(step: -1 | 1): void {
    if (this.peek(step) !== null) {
      this._index += step;
    }
  }

  private _entries: T[];
  private _index = 0;
}

/**
 * What a click asks for: the first click of a single or double click opens the
 * preview, the second click of a double click does nothing (its `dblclick`
 * pins), a keyboard activation (detail 0) opens the preview as a click does.
 */
export function clickOpens(detail: number): 'preview' | null {
  return detail <= 1 ? 'preview' : null;
}

export type VersionOpener = (ref: string, preview: boolean) => void;

let opener: VersionOpener | null = null;

/**
 * The views plugin sets how chips open versions (`open-version` with `preview`),
 * so every chip (sidebar, history, chamber, transcript, lineage) follows the
 * preview-tab rule without each view passing it down.
 */
export function setVersionOpener(open: VersionOpener | null): void {
  opener = open;
}

/** Open `ref` as a chip does; `fallback` (the chip's own `onOpen`) when no views plugin is there. */
export function openAsChip(
  ref: string,
  preview: boolean,
  fallback: (ref: string) => void
): void {
  if (opener !== null) {
    opener(ref, preview);
  } else {
    fallback(ref);
  }
}
