/**
 * The lineage DAG of a version (`open-lineage`), laid out by graph.ts (dagre). The SVG is built with DOM calls
 * (server strings only ever as `textContent` or attributes), so the graph is drawn and interactive when `ready`
 * resolves; the toolbar and the details panel are React. Drag to pan, wheel or buttons to zoom; nodes and edges
 * are focusable (Enter or Space activates, Shift+F10 shows a node's actions). Follows live updates.
 */
import { Notification, ReactWidget } from '@jupyterlab/apputils';
import { PromiseDelegate } from '@lumino/coreutils';
import { Panel, Widget } from '@lumino/widgets';
import React from 'react';

import { getLineage, LineageDirection, LineageGraph, queryString } from '../api';
import { LineageLegend, LineageToolbar } from '../components/LineageChrome';
import { Details, Selection } from '../components/LineageDetails';
import { IChangeEvent } from '../events';
import * as G from '../graph';
import { describeError, requestAPI } from '../request';
import { CommandIDs } from '../tokens';
import { IViewServices, runIfAvailable } from './services';

export interface ILineageOptions {
  /** Default `both`. */
  direction?: LineageDirection;
  /** 1..50, default 5. */
  maxDepth?: number;
}

type Drawn<S extends Selection> = S & { el: SVGGElement };

const LIVE_DEBOUNCE_MS = 300;
/** Below this zoom, edge labels and titles are hidden (unreadable anyway). */
const FAR_ZOOM = 0.55;
const ITEM = '.jp-Artifacts-dag-node, .jp-Artifacts-dag-edge';
let markers = 0;

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, text?: string) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  Object.entries(attrs).forEach(([key, value]) => el.setAttribute(key, String(value)));
  if (text !== undefined) {
    el.textContent = text;
  }
  return el;
}

/** The DOM of a graph.ts item: attributes and text only, never markup. */
function build(item: G.ISvgItem): SVGElement {
  const el = svg(item.tag, item.attrs, item.text);
  el.append(...(item.children ?? []).map(build));
  return el;
}

/** A React widget drawing whatever its callback returns, again on each `update()`. */
class Chrome extends ReactWidget {
  constructor(private _render: () => JSX.Element, className: string) {
    super();
    this.addClass(className);
  }
  protected render(): JSX.Element {
    return this._render();
  }
}

/** The lineage DAG view. */
export class LineageView extends Panel {
  constructor(readonly ref: string, options: ILineageOptions, private _services: IViewServices) {
    super();
    this.addClass('jp-Artifacts-view');
    this.addClass('jp-Artifacts-lineage-view');
    this.node.dataset.ref = ref;
    this._options = G.viewOptions(options ?? {});
    this._setData();
    const s = this._svg;
    s.setAttribute('class', 'jp-Artifacts-dag-svg');
    s.setAttribute('role', 'group');
    s.setAttribute('aria-label', `Lineage of ${ref}: drag to pan, wheel or + and - to zoom, 0 to fit`);
    const marker = svg('marker', { id: this._marker, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 9, markerHeight: 9,
      markerUnits: 'userSpaceOnUse', orient: 'auto-start-reverse' });
    marker.append(svg('path', { d: 'M0,0L10,5L0,10z', class: 'jp-Artifacts-dag-arrowhead' }));
    s.append(svg('defs'), this._viewport);
    s.firstChild!.appendChild(marker);
    this._canvas.addClass('jp-Artifacts-dag-canvas');
    this._canvas.node.append(s, this._notice);
    const body = new Panel();
    body.addClass('jp-Artifacts-dag-body');
    body.addWidget(this._canvas);
    body.addWidget(this._details);
    this.addWidget(this._toolbar);
    this.addWidget(this._legend);
    this.addWidget(body);
    this._listen();
    _services.live.changed.connect(this._onChange, this);
    _services.live.resync.connect(() => void this.load(), this);
    void this.load(true);
  }

  /** Resolves once the graph is drawn (or its error shown), by whichever load finishes first. */
  get ready(): Promise<void> {
    return this._ready.promise;
  }
  /** The tab title (shared/UI.md); then the options, the last reply drawn and its layout. */
  get label(): string {
    return `Lineage ${this.ref}`;
  }
  get options(): G.IViewOptions {
    return { ...this._options };
  }
  get graph(): LineageGraph | null {
    return this._graph;
  }
  get dagLayout(): G.IDagLayout | null {
    return this._dag;
  }
  get loading(): boolean {
    return this._loading;
  }

  /** Change the direction (re-fetch now) or the depth (re-fetch after a pause in typing). */
  setOptions(options: ILineageOptions): void {
    const next = G.viewOptions(options, this._options);
    if (next.direction !== this._options.direction || next.maxDepth !== this._options.maxDepth) {
      const wait = next.direction === this._options.direction ? LIVE_DEBOUNCE_MS : 0;
      this._options = next;
      this._setData();
      this._toolbar.update();
      this._schedule(() => void this.load(true), wait);
    }
  }

  /** Fetch and draw; `refit`: then show the whole graph (or its root). */
  async load(refit = false): Promise<void> {
    const seq = ++this._seq;
    this._loading = true;
    this._toolbar.update();
    try {
      const { direction, maxDepth } = this._options;
      const graph = await getLineage(this.ref, { direction, max_depth: maxDepth });
      if (seq !== this._seq || this.isDisposed) {
        return;
      }
      this._graph = graph;
      this._dag = G.layoutLineage(graph);
      this._error = null;
      this._draw(this._dag);
      this._fitPending ||= refit;
      this._initialView();
    } catch (error) {
      if (seq !== this._seq || this.isDisposed) {
        return;
      }
      this._error = describeError(error);
    }
    this._loading = false;
    this._showNotices();
    this.node.dataset.ready = this._error === null ? 'true' : 'error';
    this._toolbar.update();
    this._legend.update();
    this._ready.resolve();
  }

  /** Show the whole graph, or as much as fits at a readable zoom (centred on the root). */
  fit(): void {
    const view = this._size();
    if (this._dag && view.width > 0) {
      this._setTransform(G.initialTransform(this._dag, view));
    }
  }

  /** Zoom around the centre of the view. */
  zoom(factor: number): void {
    const view = this._size();
    this._setTransform(G.zoomAt(this._t, factor, view.width / 2, view.height / 2));
  }

  /** `GET .../lineage?format=prov-json` with the current options, saved as a file. */
  async downloadProv(): Promise<void> {
    const { direction, maxDepth } = this._options;
    try {
      const query = queryString({ format: 'prov-json', direction, max_depth: maxDepth }); // through the one requestAPI
      const doc = await requestAPI<unknown>(`api/artifacts/${encodeURIComponent(this.ref)}/lineage${query}`);
      const url = URL.createObjectURL(new Blob([JSON.stringify(doc, null, 2)], { type: 'application/json' }));
      const a = Object.assign(document.createElement('a'), { href: url, download: G.provFileName(this.ref, this._options) });
      document.body.append(a);
      a.click();
      a.remove();
      window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      Notification.error(`Could not download the PROV-JSON of ${this.ref}: ${describeError(error)}`);
    }
  }

  dispose(): void {
    if (!this.isDisposed) {
      window.clearTimeout(this._timer);
      this._resize?.disconnect();
      this._services.live.changed.disconnect(this._onChange, this);
      this._ready.resolve();
      super.dispose();
    }
  }

  private _setData(): void {
    this.node.dataset.direction = this._options.direction;
    this.node.dataset.maxDepth = String(this._options.maxDepth);
  }

  private _draw(dag: G.IDagLayout): void {
    const edges = svg('g', { class: 'jp-Artifacts-dag-edges' });
    const nodes = svg('g', { class: 'jp-Artifacts-dag-nodes' });
    this._nodes.clear();
    this._edges.clear();
    for (const edge of dag.edges) {
      const el = build(G.edgeItem(edge, this._marker)) as SVGGElement;
      this._edges.set(edge.id, { kind: 'edge', el, edge });
      edges.append(el);
    }
    for (const node of dag.nodes) {
      const el = build(G.nodeItem(node)) as SVGGElement;
      this._nodes.set(node.ref, { kind: 'node', el, node });
      nodes.append(el);
    }
    this._viewport.replaceChildren(edges, nodes);
    this.node.dataset.nodes = String(dag.nodes.length);
    this.node.dataset.edges = String(dag.edges.length);
    const old = this._selection; // kept across re-fetches while it is still there
    this._select((old?.kind === 'node' ? this._nodes.get(old.node.ref) : old && this._edges.get(old.edge.id)) ?? null);
  }

  private _showNotices(): void {
    const { kind, text } = G.notice(this._graph, this._error);
    const cls = { error: ' jp-Artifacts-error', truncated: ' jp-Artifacts-dag-truncated', empty: ' jp-Artifacts-muted' };
    this._notice.className = `jp-Artifacts-dag-notice${cls[kind as keyof typeof cls] ?? ''}`;
    this._notice.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    this._notice.textContent = text;
  }

  private _size(): { width: number; height: number } {
    return { width: this._svg.clientWidth, height: this._svg.clientHeight };
  }

  /** Once the view has a size: the whole graph if readable that way, else its root at a readable zoom. */
  private _initialView(): void {
    const view = this._size();
    if (this._dag && this._fitPending && view.width > 0 && view.height > 0) {
      this._fitPending = false;
      this._setTransform(G.initialTransform(this._dag, view));
    }
  }

  private _setTransform(t: G.ITransform): void {
    this._t = t;
    this._viewport.setAttribute('transform', `translate(${t.x},${t.y}) scale(${t.k})`);
    this._svg.classList.toggle('jp-mod-far', t.k < FAR_ZOOM);
  }

  private _select(item: Drawn<Selection> | null): void {
    this._selection?.el.classList.remove('jp-mod-selected');
    item?.el.classList.add('jp-mod-selected');
    this._selection = item;
    this._details.update();
  }

  /** A node: select it and (click, Enter) open exactly that version. An edge: show its details. */
  private _activate(target: Element, open: boolean): void {
    const el = target.closest<SVGGElement>(ITEM);
    const item = el?.dataset.ref !== undefined ? this._nodes.get(el.dataset.ref) : this._edges.get(el?.dataset.stepId ?? '');
    this._select(item ?? null);
    if (item?.kind === 'node' && open) {
      runIfAvailable(this._services.commands, CommandIDs.openVersion, { ref: item.node.ref });
    }
  }

  private _listen(): void {
    const s = this._svg;
    s.addEventListener('pointerdown', ev => {
      this._dragged = false;
      this._drag = ev.button === 0 ? { id: ev.pointerId, x: ev.clientX, y: ev.clientY, t: this._t, moved: false } : null;
    });
    s.addEventListener('pointermove', ev => {
      const d = this._drag;
      if (!d || d.id !== ev.pointerId || (!d.moved && Math.hypot(ev.clientX - d.x, ev.clientY - d.y) < 4)) {
        return;
      }
      if (!d.moved) {
        d.moved = true;
        s.setPointerCapture(ev.pointerId);
        s.classList.add('jp-mod-dragging');
      }
      this._setTransform({ k: d.t.k, x: d.t.x + ev.clientX - d.x, y: d.t.y + ev.clientY - d.y });
    });
    const end = (ev: PointerEvent) => {
      if (this._drag?.id === ev.pointerId) {
        this._dragged = this._drag.moved;
        this._drag = null;
        s.classList.remove('jp-mod-dragging');
      }
    };
    s.addEventListener('pointerup', end);
    s.addEventListener('pointercancel', end);
    s.addEventListener('click', ev => {
      if (!this._dragged) {
        this._activate(ev.target as Element, true);
      }
      this._dragged = false;
    });
    s.addEventListener('contextmenu', ev => {
      const item = (ev.target as Element).closest(ITEM);
      if (item) {
        ev.preventDefault();
        ev.stopPropagation(); // not JupyterLab's own menu
        this._activate(item, false);
      }
    });
    s.addEventListener('wheel', ev => {
      ev.preventDefault();
      const box = s.getBoundingClientRect();
      const factor = Math.exp(-ev.deltaY * (ev.deltaMode === 1 ? 0.05 : 0.0015));
      this._setTransform(G.zoomAt(this._t, factor, ev.clientX - box.left, ev.clientY - box.top));
    }, { passive: false });
    s.addEventListener('keydown', ev => {
      const item = (ev.target as Element).closest(ITEM);
      const key = ev.key;
      if (item && (key === 'Enter' || key === ' ' || key === 'ContextMenu' || (key === 'F10' && ev.shiftKey))) {
        this._activate(item, key === 'Enter' || key === ' ');
      } else if (key === 'Escape') {
        this._select(null);
      } else if (key === '0' || key === '+' || key === '=' || key === '-') {
        key === '0' ? this.fit() : this.zoom(key === '-' ? 0.8 : 1.25);
      } else {
        return;
      }
      ev.preventDefault();
      ev.stopPropagation();
    });
    if (typeof ResizeObserver !== 'undefined') {
      this._resize = new ResizeObserver(() => this._initialView());
      this._resize.observe(this._canvas.node);
    }
  }

  private _schedule(fn: () => void, ms: number): void {
    window.clearTimeout(this._timer);
    this._timer = window.setTimeout(fn, ms);
  }

  /** A new step or version of an artifact of the graph: re-fetch (debounced), keeping the view. */
  private _onChange(_: unknown, event: IChangeEvent): void {
    if (G.touchesGraph(event, this.ref, this._dag)) {
      this._schedule(() => void this.load(), LIVE_DEBOUNCE_MS);
    }
  }

  private _options: G.IViewOptions;
  private _ready = new PromiseDelegate<void>();
  private _graph: LineageGraph | null = null;
  private _dag: G.IDagLayout | null = null;
  private _error: string | null = null;
  private _loading = false;
  private _seq = 0;
  private _timer = 0;
  private _t: G.ITransform = { x: 0, y: 0, k: 1 };
  private _fitPending = false;
  private _drag: { id: number; x: number; y: number; t: G.ITransform; moved: boolean } | null = null;
  private _dragged = false;
  private _selection: Drawn<Selection> | null = null;
  private _resize: ResizeObserver | null = null;
  private _marker = `jp-Artifacts-dag-arrow-${++markers}`;
  private _nodes = new Map<string, Drawn<{ kind: 'node'; node: G.IPositionedNode }>>();
  private _edges = new Map<string, Drawn<{ kind: 'edge'; edge: G.IPositionedEdge }>>();
  private _svg = svg('svg');
  private _viewport = svg('g', { class: 'jp-Artifacts-dag-viewport' });
  private _notice = document.createElement('div');
  private _canvas = new Widget();
  private _toolbar = new Chrome(() => <LineageToolbar view={this} />, 'jp-Artifacts-dag-toolbar');
  private _legend = new Chrome(() => <LineageLegend graph={this._graph} />, 'jp-Artifacts-dag-legend');
  private _details = new Chrome(() => <Details item={this._selection} services={this._services}
    onClose={() => this._select(null)} />, 'jp-Artifacts-dag-details');
}
