/**
 * The DOM side of the lineage DAG: its SVG built from graphItems.ts's items (attributes and
 * text only, never markup), and its input: drag or arrow keys to pan,
 * wheel or + and - to zoom (never below the readable zoom), 0 to fit; a click activates a
 * node or a step, a double click pins a version.
 */
import * as G from './graph';

/** What the input drives in the view. */
export interface IGraphHost {
  transform(): G.ITransform;
  /** `byUser`: the user moved the view (a later live update then announces, not pans). */
  setTransform(t: G.ITransform, byUser: boolean): void;
  /** The smallest zoom at which every label is 11 px or more on screen. */
  floor(): number;
  fit(): void;
  zoom(factor: number): void;
  /** Select a node or step; `open` a node: in the preview tab, pinned, or not at all. */
  activate(target: Element, open: 'preview' | 'pinned' | null): void;
  deselect(): void;
}

export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {},
  text?: string): SVGElementTagNameMap[K] {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  Object.entries(attrs).forEach(([key, value]) => el.setAttribute(key, String(value)));
  if (text !== undefined) {
    el.textContent = text;
  }
  return el;
}

/** The DOM of a graph item: attributes and text only, never markup. */
export function build(item: G.ISvgItem): SVGElement {
  const el = svg(item.tag, item.attrs, item.text);
  el.append(...(item.children ?? []).map(build));
  return el;
}

/**
 * Text widths as the browser draws the graph's text (a canvas with lineage.css's fonts), so
 * nodes and edge labels are as wide as their text; undefined without a canvas (then: estimates).
 */
export function canvasMeasure(): G.TextMeasure | undefined {
  let ctx: CanvasRenderingContext2D | null = null;
  try {
    ctx = document.createElement('canvas').getContext('2d');
  } catch {
    return undefined;
  }
  if (!ctx) {
    return undefined;
  }
  const css = getComputedStyle(document.body);
  const ui = css.getPropertyValue('--jp-ui-font-family').trim() || 'sans-serif';
  const code = css.getPropertyValue('--jp-code-font-family').trim() || 'monospace';
  const px = G.LABEL_FONT_PX;
  const fonts: Record<G.TextKind, string> = { ref: `600 ${px.ref}px ${code}`, type: `italic ${px.type}px ${ui}`,
    title: `${px.title}px ${ui}`, edge: `${px.edge}px ${ui}` };
  const c = ctx;
  const known = new Map<string, number>(); // versions of one artifact repeat its title and type
  let font = '';
  return (text, kind) => {
    const key = `${kind}\u0000${text}`;
    let width = known.get(key);
    if (width === undefined) {
      if (font !== fonts[kind]) {
        c.font = font = fonts[kind];
      }
      width = c.measureText(text).width;
      known.set(key, width);
    }
    return width;
  };
}

/** The graph's text, by class, and its font size in lineage.css (used until the real one can be read). */
const TEXT: [string, number][] = [['node-ref', G.LABEL_FONT_PX.ref], ['node-type', G.LABEL_FONT_PX.type],
  ['node-title', G.LABEL_FONT_PX.title], ['edge-label', G.LABEL_FONT_PX.edge]];

/**
 * The smallest zoom at which every label drawn under `root` (by its computed font size) is
 * 11 px or more on screen; `measured` false when some size could not be read (detached).
 */
export function measureFloor(root: Element): { floor: number; measured: boolean } {
  let measured = true;
  const sizes = TEXT.map(([cls, fallback]) => {
    const el = root.querySelector(`.jp-Artifacts-dag-${cls}`);
    const size = el?.isConnected ? parseFloat(getComputedStyle(el).fontSize) : NaN;
    const ok = Number.isFinite(size) && size > 0;
    measured &&= ok;
    return ok ? size : fallback;
  });
  return { floor: G.readableZoom(sizes), measured };
}

export const ITEM = '.jp-Artifacts-dag-node, .jp-Artifacts-dag-edge';
/** Pixels an arrow key pans. */
const STEP = 48;

export function listenGraph(s: SVGSVGElement, host: IGraphHost): void {
  let drag: { id: number; x: number; y: number; t: G.ITransform; moved: boolean } | null = null;
  let dragged = false;
  s.addEventListener('pointerdown', ev => {
    dragged = false;
    drag = ev.button === 0 ? { id: ev.pointerId, x: ev.clientX, y: ev.clientY, t: host.transform(), moved: false } : null;
  });
  s.addEventListener('pointermove', ev => {
    const d = drag;
    if (!d || d.id !== ev.pointerId || (!d.moved && Math.hypot(ev.clientX - d.x, ev.clientY - d.y) < 4)) {
      return;
    }
    if (!d.moved) {
      d.moved = true;
      s.setPointerCapture(ev.pointerId);
      s.classList.add('jp-mod-dragging');
    }
    host.setTransform({ k: d.t.k, x: d.t.x + ev.clientX - d.x, y: d.t.y + ev.clientY - d.y }, true);
  });
  const end = (ev: PointerEvent) => {
    if (drag?.id === ev.pointerId) {
      dragged = drag.moved;
      drag = null;
      s.classList.remove('jp-mod-dragging');
    }
  };
  s.addEventListener('pointerup', end);
  s.addEventListener('pointercancel', end);
  s.addEventListener('click', ev => {
    if (!dragged) {
      // The second click of a double click only selects: the dblclick that follows pins.
      host.activate(ev.target as Element, ev.detail <= 1 ? 'preview' : null);
    }
    dragged = false;
  });
  s.addEventListener('dblclick', ev => {
    if ((ev.target as Element).closest('.jp-Artifacts-dag-node')) {
      host.activate(ev.target as Element, 'pinned');
    }
  });
  s.addEventListener('contextmenu', ev => {
    const item = (ev.target as Element).closest(ITEM);
    if (item) {
      ev.preventDefault();
      ev.stopPropagation(); // not JupyterLab's own menu
      host.activate(item, null);
    }
  });
  s.addEventListener('wheel', ev => {
    ev.preventDefault();
    const box = s.getBoundingClientRect();
    const factor = Math.exp(-ev.deltaY * (ev.deltaMode === 1 ? 0.05 : 0.0015));
    host.setTransform(G.zoomAt(host.transform(), factor, ev.clientX - box.left, ev.clientY - box.top, host.floor()), true);
  }, { passive: false });
  s.addEventListener('keydown', ev => {
    const item = (ev.target as Element).closest(ITEM);
    const key = ev.key;
    const pan: Record<string, [number, number]> = { ArrowLeft: [STEP, 0], ArrowRight: [-STEP, 0], ArrowUp: [0, STEP],
      ArrowDown: [0, -STEP] };
    if (item && (key === 'Enter' || key === ' ' || key === 'ContextMenu' || (key === 'F10' && ev.shiftKey))) {
      host.activate(item, key === 'Enter' || key === ' ' ? 'preview' : null);
    } else if (key === 'Escape') {
      host.deselect();
    } else if (key === '0' || key === '+' || key === '=' || key === '-') {
      key === '0' ? host.fit() : host.zoom(key === '-' ? 0.8 : 1.25);
    } else if (key in pan && !ev.altKey && !ev.ctrlKey && !ev.metaKey) {
      const t = host.transform();
      host.setTransform({ k: t.k, x: t.x + pan[key][0], y: t.y + pan[key][1] }, true);
    } else {
      return;
    }
    ev.preventDefault();
    ev.stopPropagation();
  });
}
