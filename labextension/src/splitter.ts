/**
 * A vertical separator that resizes the panel on its right (the lineage's step panel): drag
 * it, or focus it and use the arrow keys, Home and End. Its width is remembered across
 * views and sessions (localStorage, when there is one).
 */
export interface ISplitterOptions {
  /** The panel resized; its `flex-basis` is set. */
  panel: HTMLElement;
  /** localStorage key of the width. */
  key: string;
  initial: number;
  min: number;
  /** The widest it may be now (e.g. a share of the view). */
  max: () => number;
  label: string;
}

export class Splitter {
  readonly node = document.createElement('div');

  constructor(private _o: ISplitterOptions) {
    const n = this.node;
    n.className = 'jp-Artifacts-splitter';
    n.tabIndex = 0;
    n.setAttribute('role', 'separator');
    n.setAttribute('aria-orientation', 'vertical');
    n.setAttribute('aria-label', _o.label);
    n.title = `${_o.label}: drag, or use the arrow keys`;
    this.width = Number(read(_o.key)) || _o.initial;
    n.addEventListener('pointerdown', ev => {
      if (ev.button !== 0) {
        return;
      }
      ev.preventDefault();
      n.setPointerCapture(ev.pointerId);
      n.classList.add('jp-mod-active');
      const [x0, w0] = [ev.clientX, this._width];
      const move = (e: PointerEvent) => (this.width = w0 - (e.clientX - x0));
      const up = () => {
        n.classList.remove('jp-mod-active');
        n.removeEventListener('pointermove', move);
        n.removeEventListener('pointerup', up);
        n.removeEventListener('pointercancel', up);
        this._save();
      };
      n.addEventListener('pointermove', move);
      n.addEventListener('pointerup', up);
      n.addEventListener('pointercancel', up);
    });
    n.addEventListener('keydown', ev => {
      const step = ev.shiftKey ? 64 : 16;
      const next: Record<string, number> = { ArrowLeft: this._width + step, ArrowRight: this._width - step,
        Home: this._o.max(), End: this._o.min };
      if (ev.key in next) {
        ev.preventDefault();
        ev.stopPropagation();
        this.width = next[ev.key];
        this._save();
      }
    });
  }

  get width(): number {
    return this._width;
  }

  /** Clamped into [min, max()]. */
  set width(value: number) {
    const { min } = this._o;
    const w = Math.round(Math.max(min, Math.min(Math.max(min, this._o.max()), value)));
    this._width = w;
    this._o.panel.style.flexBasis = `${w}px`;
    this.node.setAttribute('aria-valuenow', String(w));
    this.node.setAttribute('aria-valuemin', String(min));
  }

  private _save(): void {
    try {
      window.localStorage?.setItem(this._o.key, String(this._width));
    } catch {
      // No storage (private mode, quota): the width lasts as long as the view.
    }
  }

  private _width = 0;
}

function read(key: string): string | null {
  try {
    return window.localStorage?.getItem(key) ?? null;
  } catch {
    return null;
  }
}
