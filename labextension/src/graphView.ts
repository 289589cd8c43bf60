/**
 * Pan, zoom, fit and following new versions in the lineage DAG (pure: unit-tested in
 * tests/graph.spec.ts through graph.ts, which re-exports this module).
 */
import type { IDagLayout, IPoint, IPositionedEdge, IPositionedNode } from './graph';

/** A pan and zoom: screen = k * graph + (x, y). */
export interface ITransform {
  x: number;
  y: number;
  k: number;
}

/** A rectangle in graph coordinates (x, y: its top left corner). */
export interface IBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ISize {
  width: number;
  height: number;
}

export const MIN_ZOOM = 0.05;
export const MAX_ZOOM = 4;

/** No text of the graph renders smaller than this on screen (shared/UI.md). */
export const MIN_LABEL_PX = 11;

/**
 * The font sizes lineage.css gives the graph's text at 1:1 (ref, type, title, edge label);
 * the view measures the real ones and falls back on these.
 */
export const LABEL_FONT_PX = { ref: 13, type: 12, title: 12, edge: 12 };

/**
 * The smallest zoom at which text of these font sizes still renders at 11 px or more
 * (rounded up, so that size × zoom is never 10.999…).
 */
export function readableZoom(fontPx: number[]): number {
  const sizes = fontPx.filter(s => Number.isFinite(s) && s > 0);
  if (sizes.length === 0) {
    return 1;
  }
  return Math.min(MAX_ZOOM, Math.ceil((MIN_LABEL_PX / Math.min(...sizes)) * 1000) / 1000);
}

/** The readable zoom of the stylesheet's sizes: the floor of fitting and zooming out. */
export const READABLE_ZOOM = readableZoom(Object.values(LABEL_FONT_PX));

export function clampZoom(k: number, min = MIN_ZOOM): number {
  return Math.min(MAX_ZOOM, Math.max(Math.min(min, MAX_ZOOM), k));
}

/** The transform that shows the whole graph centred in a view of that size (never above 1:1). */
export function fitTransform(graph: ISize, view: ISize, padding = 16): ITransform {
  const w = Math.max(1, view.width - 2 * padding);
  const h = Math.max(1, view.height - 2 * padding);
  const k = clampZoom(Math.min(1, w / Math.max(1, graph.width), h / Math.max(1, graph.height)));
  return { k, x: (view.width - graph.width * k) / 2, y: (view.height - graph.height * k) / 2 };
}

/** The transform that centres a graph point in the view at zoom k. */
export function centreOn(point: IPoint, view: ISize, k: number, min = MIN_ZOOM): ITransform {
  const z = clampZoom(k, min);
  return { k: z, x: view.width / 2 - point.x * z, y: view.height / 2 - point.y * z };
}

/** Zoom by `factor` keeping the screen point (px, py) where it is; never below `min`. */
export function zoomAt(t: ITransform, factor: number, px: number, py: number, min = MIN_ZOOM): ITransform {
  const k = clampZoom(t.k * factor, min);
  const r = k / t.k;
  return { k, x: px - (px - t.x) * r, y: py - (py - t.y) * r };
}

/**
 * The first view of a layout, and what "Fit" shows: all of it when it fits at a readable
 * zoom (`floor`), else its root (or its centre) at that zoom; the rest is a pan away.
 */
export function initialTransform(dag: IDagLayout, view: ISize, floor = READABLE_ZOOM): ITransform {
  const fit = fitTransform(dag, view);
  if (fit.k >= floor) {
    return fit;
  }
  const root = dag.nodes.find(n => n.isRoot) ?? { x: dag.width / 2, y: dag.height / 2 };
  return keepInView(centreOn(root, view, floor, floor), dag, view);
}

/**
 * Pan `t` as little as needed so that the graph leaves no empty band where more of it
 * could be shown (a root at the graph's end sits at the view's edge, not in its middle);
 * a side that fits is centred.
 */
export function keepInView(t: ITransform, graph: ISize, view: ISize, padding = 16): ITransform {
  const axis = (offset: number, size: number, room: number) =>
    size <= room - 2 * padding ? (room - size) / 2 : Math.min(padding, Math.max(room - size - padding, offset));
  return { k: t.k, x: axis(t.x, graph.width * t.k, view.width), y: axis(t.y, graph.height * t.k, view.height) };
}

/** The box around nodes given by their centres and sizes; null for none. */
export function boxOf(nodes: readonly { x: number; y: number; width: number; height: number }[]): IBox | null {
  if (nodes.length === 0) {
    return null;
  }
  const left = Math.min(...nodes.map(n => n.x - n.width / 2));
  const top = Math.min(...nodes.map(n => n.y - n.height / 2));
  const right = Math.max(...nodes.map(n => n.x + n.width / 2));
  const bottom = Math.max(...nodes.map(n => n.y + n.height / 2));
  return { x: left, y: top, width: right - left, height: bottom - top };
}

/** Whether the whole box is on screen (at least `padding` px inside the view's edges). */
export function boxInView(t: ITransform, box: IBox, view: ISize, padding = 0): boolean {
  const [x0, y0] = [t.x + box.x * t.k, t.y + box.y * t.k];
  const [x1, y1] = [x0 + box.width * t.k, y0 + box.height * t.k];
  return x0 >= padding && y0 >= padding && x1 <= view.width - padding && y1 <= view.height - padding;
}

/**
 * Pan (same zoom) as little as needed to bring the box into view, `padding` px inside;
 * a box larger than the view is centred on that axis.
 */
export function revealBox(t: ITransform, box: IBox, view: ISize, padding = 24): ITransform {
  const axis = (offset: number, start: number, size: number, room: number) => {
    const [a, len] = [offset + start * t.k, size * t.k];
    if (len > room - 2 * padding) {
      return offset + (room - len) / 2 - a;
    }
    return offset + Math.max(padding - a, Math.min(0, room - padding - (a + len)));
  };
  return { k: t.k, x: axis(t.x, box.x, box.width, view.width), y: axis(t.y, box.y, box.height, view.height) };
}

/**
 * After a re-layout moved the graph under the view, the transform that keeps `anchor`
 * (a node present before and after) where it was on screen.
 */
export function keepAnchor(t: ITransform, before: IPoint, after: IPoint): ITransform {
  return { k: t.k, x: t.x + (before.x - after.x) * t.k, y: t.y + (before.y - after.y) * t.k };
}

/** Of nodes laid out under `t`, the one whose centre is nearest the view's centre. */
export function nearestCentre<N extends IPoint>(nodes: readonly N[], t: ITransform, view: ISize): N | null {
  const [cx, cy] = [(view.width / 2 - t.x) / t.k, (view.height / 2 - t.y) / t.k];
  let best: N | null = null;
  let distance = Infinity;
  for (const n of nodes) {
    const d = Math.hypot(n.x - cx, n.y - cy);
    if (d < distance) {
      [best, distance] = [n, d];
    }
  }
  return best;
}

/**
 * What a re-fetch does with the view when versions were added: keep the version nearest the
 * centre where it was; then, unless the user has moved the view, bring the new ones into it
 * (fitting the whole graph when that is readable and shows them); if they are still off
 * screen, `announce` them instead of yanking the view.
 */
export function followNew(
  t: ITransform,
  before: IDagLayout,
  after: IDagLayout,
  view: ISize,
  userMoved: boolean,
  floor = READABLE_ZOOM
): { transform: ITransform; added: string[]; announce: boolean } {
  const old = new Map(before.nodes.map(n => [n.ref, n]));
  const added = after.nodes.filter(n => !old.has(n.ref) && !n.missing);
  const now = new Map(after.nodes.map(n => [n.ref, n]));
  const anchor = nearestCentre(before.nodes.filter(n => now.has(n.ref)), t, view);
  const moved = anchor ? now.get(anchor.ref)! : null;
  let transform = anchor && moved ? keepAnchor(t, anchor, moved) : t;
  const box = boxOf(added);
  if (box === null || boxInView(transform, box, view)) {
    return { transform, added: added.map(n => n.ref), announce: false };
  }
  if (!userMoved) {
    const fit = initialTransform(after, view, floor);
    transform = boxInView(fit, box, view) ? fit : revealBox(transform, box, view);
    return { transform, added: added.map(n => n.ref), announce: false };
  }
  return { transform, added: added.map(n => n.ref), announce: true };
}

/** The box of a drawn node, or of a step's label (what a selection must keep in view). */
export function itemBox(item: IPositionedNode | IPositionedEdge): IBox {
  if ('ref' in item) {
    return boxOf([item])!;
  }
  return { x: item.labelX - item.labelWidth / 2, y: item.labelY - 9, width: item.labelWidth, height: 18 };
}

/**
 * The view changed size (window, details panel): the whole graph again unless the user moved
 * it, then the selection (`box`) panned into view if it left it.
 */
export function resizedTransform(t: ITransform, dag: IDagLayout, view: ISize, userMoved: boolean, box: IBox | null,
  floor = READABLE_ZOOM): ITransform {
  const next = userMoved ? t : initialTransform(dag, view, floor);
  return box && !boxInView(next, box, view) ? revealBox(next, box, view) : next;
}
