/**
 * Pan, zoom and fit of the lineage DAG (pure: unit-tested in tests/graph.spec.ts through
 * graph.ts, which re-exports this module).
 */
import type { IDagLayout, IPoint } from './graph';

/** A pan and zoom: screen = k * graph + (x, y). */
export interface ITransform {
  x: number;
  y: number;
  k: number;
}

export const MIN_ZOOM = 0.05;
export const MAX_ZOOM = 4;

export function clampZoom(k: number): number {
  return Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, k));
}

/** The transform that shows the whole graph centred in a view of that size (never above 1:1). */
export function fitTransform(
  graph: { width: number; height: number },
  view: { width: number; height: number },
  padding = 16
): ITransform {
  const w = Math.max(1, view.width - 2 * padding);
  const h = Math.max(1, view.height - 2 * padding);
  const k = clampZoom(Math.min(1, w / Math.max(1, graph.width), h / Math.max(1, graph.height)));
  return { k, x: (view.width - graph.width * k) / 2, y: (view.height - graph.height * k) / 2 };
}

/** The transform that centres a graph point in the view at zoom k. */
export function centreOn(point: IPoint, view: { width: number; height: number }, k: number): ITransform {
  const z = clampZoom(k);
  return { k: z, x: view.width / 2 - point.x * z, y: view.height / 2 - point.y * z };
}

/** Zoom by `factor` keeping the screen point (px, py) where it is. */
export function zoomAt(t: ITransform, factor: number, px: number, py: number): ITransform {
  const k = clampZoom(t.k * factor);
  const r = k / t.k;
  return { k, x: px - (px - t.x) * r, y: py - (py - t.y) * r };
}

/**
 * The smallest zoom at which the graph's text (11 px titles and edge labels, 12 px refs)
 * still renders at 11 px or more on screen (shared/UI.md): fitting stops there.
 */
export const READABLE_ZOOM = 1;

/**
 * The first view of a layout, and what "Fit" shows: all of it when it fits at a readable
 * zoom, else its root (or its centre) at the readable zoom; the rest is a pan away.
 */
export function initialTransform(dag: IDagLayout, view: { width: number; height: number }): ITransform {
  const fit = fitTransform(dag, view);
  if (fit.k >= READABLE_ZOOM) {
    return fit;
  }
  const root = dag.nodes.find(n => n.isRoot) ?? { x: dag.width / 2, y: dag.height / 2 };
  return keepInView(centreOn(root, view, READABLE_ZOOM), dag, view);
}

/**
 * Pan `t` as little as needed so that the graph leaves no empty band where more of it
 * could be shown (a root at the graph's end sits at the view's edge, not in its middle);
 * a side that fits is centred.
 */
export function keepInView(
  t: ITransform,
  graph: { width: number; height: number },
  view: { width: number; height: number },
  padding = 16
): ITransform {
  const axis = (offset: number, size: number, room: number) =>
    size <= room - 2 * padding ? (room - size) / 2 : Math.min(padding, Math.max(room - size - padding, offset));
  return { k: t.k, x: axis(t.x, graph.width * t.k, view.width), y: axis(t.y, graph.height * t.k, view.height) };
}
