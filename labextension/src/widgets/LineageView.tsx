/**
 * The lineage DAG of a version (`open-lineage`), laid out by graph.ts (dagre). The SVG is built with DOM calls
 * (server strings only ever as `textContent` or attributes), so the graph is drawn and interactive when `ready`
 * resolves; the toolbar and the details panel (resizable) are React. Input (graphInput.ts): drag or arrows to pan,
 * wheel or buttons to zoom, never below the zoom at which labels are 11 px; a click opens a version in the preview
 * tab, a double click pins it. Follows live updates: new versions are brought into view, or announced when the
 * user has moved the view.
 */
import { PromiseDelegate } from '@lumino/coreutils';
import { Panel, Widget } from '@lumino/widgets';
import React from 'react';

import { getLineage, LineageDirection, LineageGraph } from '../api';
import { Chrome, downloadProv, LineageLegend, LineageToolbar, newVersionsNotice } from '../components/LineageChrome';
import { Details, Selection } from '../components/LineageDetails';
import { IChangeEvent } from '../events';
import * as G from '../graph';
import { build, canvasMeasure, IGraphHost, ITEM, listenGraph, measureFloor, svg } from '../graphInput';
import { describeError } from '../request';
import { Splitter } from '../splitter';
import { CommandIDs } from '../tokens';
import { IViewServices } from './services';

export interface ILineageOptions {
  /** Default `both`. */
  direction?: LineageDirection;
  /** 1..50, default 5. */
  maxDepth?: number;
}

type Drawn<S extends Selection> = S & { el: SVGGElement };

const LIVE_DEBOUNCE_MS = 300;
let markers = 0;

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
    s.setAttribute('aria-label', `Lineage of ${ref}: drag or arrow keys to pan, wheel or + and - to zoom, 0 to fit`);
    const marker = svg('marker', { id: this._marker, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 9, markerHeight: 9,
      markerUnits: 'userSpaceOnUse', orient: 'auto-start-reverse' });
    marker.append(svg('path', { d: 'M0,0L10,5L0,10z', class: 'jp-Artifacts-dag-arrowhead' }));
    s.append(svg('defs'), this._viewport);
    s.firstChild!.appendChild(marker);
    this._canvas.addClass('jp-Artifacts-dag-canvas');
    this._fresh.className = 'jp-Artifacts-dag-new';
    this._fresh.setAttribute('role', 'status');
    this._fresh.hidden = true;
    this._canvas.node.append(s, this._notice, this._fresh);
    const body = new Panel();
    body.addClass('jp-Artifacts-dag-body');
    body.addWidget(this._canvas);
    this._splitter = new Splitter({ panel: this._details.node, key: 'jupyter-artifacts:lineage-details-width', initial: 340,
      min: 220, max: () => (body.node.clientWidth > 0 ? Math.max(220, body.node.clientWidth * 0.7) : 900),
      label: 'Resize the details panel' });
    this._split = new Widget({ node: this._splitter.node });
    body.addWidget(this._split);
    body.addWidget(this._details);
    this._split.hide(); // the panel shows once a version or step is selected
    this._details.hide();
    this.addWidget(this._toolbar);
    this.addWidget(this._legend);
    this.addWidget(body);
    listenGraph(s, this._host);
    if (typeof ResizeObserver !== 'undefined') {
      this._resize = new ResizeObserver(() => this._onResize());
      this._resize.observe(this._canvas.node);
    }
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
  /** The current pan and zoom (screen = k × graph + (x, y)). */
  get transform(): G.ITransform {
    return { ...this._t };
  }
  /** Whether zooming out keeps every label at 11 px or more on screen. */
  get canZoomOut(): boolean {
    return this._t.k > this.readableZoom() + 1e-6;
  }
  /** Versions that arrived live off screen and are announced, not yet shown. */
  get announced(): string[] {
    return [...this._announced];
  }
  /** The width of the details panel, px. */
  get detailsWidth(): number {
    return this._splitter.width;
  }

  /** The smallest zoom at which every label of the graph (by its computed font size) is 11 px or more on screen. */
  readableZoom(): number {
    const { floor, measured } = this._floor ?? measureFloor(this._viewport);
    this._floor = measured ? { floor, measured } : null; // measured once per drawing, while attached
    return floor;
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
      const before = this._dag;
      this._graph = graph;
      this._dag = G.layoutLineage(graph, { measure: (this._measure ??= canvasMeasure()) });
      this._error = null;
      this._draw(this._dag);
      this._fitPending ||= refit;
      if (refit) {
        this._announce([]);
      } else if (before) {
        this._follow(before, this._dag);
      }
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

  /**
   * Show the whole graph, or as much as fits at a readable zoom (centred on the root); new versions follow again.
   * (Not `fit`: that is Lumino's, which layouts call on any change.)
   */
  fitGraph(): void {
    const view = this._size();
    if (this._dag && view.width > 0) {
      this._userMoved = false;
      this._setTransform(G.initialTransform(this._dag, view, this.readableZoom()));
      this._announce([]);
    }
  }

  /** Zoom around the centre of the view, never below the readable zoom. */
  zoom(factor: number): void {
    const view = this._size();
    this._userMoved = true;
    this._setTransform(G.zoomAt(this._t, factor, view.width / 2, view.height / 2, this.readableZoom()));
  }

  /** Pan to the announced new versions (same zoom) and focus the first. */
  showNew(): void {
    const nodes = this._announced.map(ref => this._nodes.get(ref)).filter(n => n !== undefined);
    const box = G.boxOf(nodes.map(n => n!.node));
    if (box) {
      this._setTransform(G.revealBox(this._t, box, this._size()));
      nodes[0]!.el.focus({ preventScroll: true });
    }
    this._announce([]);
  }

  /** `GET .../lineage?format=prov-json` with the current options, saved as a file. */
  downloadProv(): Promise<void> {
    return downloadProv(this.ref, this._options);
  }

  dispose(): void {
    if (!this.isDisposed) {
      window.clearTimeout(this._timer);
      this._resize?.disconnect();
      window.clearTimeout(this._flash);
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
    this._floor = null;
    this._announced = this._announced.filter(ref => this._nodes.has(ref));
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
      this._userMoved = false;
      this._setTransform(G.initialTransform(this._dag, view, this.readableZoom()));
    }
  }

  /** A re-fetch added versions: keep the view steady, bring them in unless the user moved it, else announce them. */
  private _follow(before: G.IDagLayout, after: G.IDagLayout): void {
    const view = this._size();
    if (view.width <= 0 || view.height <= 0) { // hidden: fit when shown, or announce
      this._fitPending ||= !this._userMoved;
      const added = after.nodes.filter(n => !n.missing && !before.nodes.some(b => b.ref === n.ref)).map(n => n.ref);
      this._announce(this._userMoved ? [...this._announced, ...added] : []);
      return;
    }
    const { transform, added, announce } = G.followNew(this._t, before, after, view, this._userMoved, this.readableZoom());
    this._setTransform(transform);
    added.forEach(ref => this._nodes.get(ref)?.el.classList.add('jp-mod-new'));
    const still = this._announced.filter(ref => !added.includes(ref));
    this._announce(announce ? [...still, ...added] : still);
    window.clearTimeout(this._flash); // the highlight of new versions fades after a while
    this._flash = window.setTimeout(() => this._viewport.querySelectorAll('.jp-mod-new')
      .forEach(el => el.classList.remove('jp-mod-new')), 8000);
  }

  /** The "N new versions — Show" notice (hidden for none); its text and buttons are DOM text, never markup. */
  private _announce(refs: string[]): void {
    this._announced = refs;
    const f = this._fresh;
    this.node.dataset.announced = String(refs.length);
    newVersionsNotice(f, refs, () => this.showNew(), () => this._announce([]));
  }

  private _setTransform(t: G.ITransform): void {
    const could = this.canZoomOut;
    this._t = t;
    this._viewport.setAttribute('transform', `translate(${t.x},${t.y}) scale(${t.k})`);
    this.node.dataset.zoom = String(Math.round(t.k * 1000) / 1000);
    if (could !== this.canZoomOut) {
      this._toolbar.update(); // the zoom-out button's state
    }
  }

  /** Open a version by id (the command reports its own failure). */
  private _open(ref: string, preview: boolean): void {
    const { commands } = this._services;
    if (commands.hasCommand(CommandIDs.openVersion)) {
      commands.execute(CommandIDs.openVersion, preview ? { ref, preview: true } : { ref }).catch(() => undefined);
    }
  }

  /** The view changed size (window, panel): the whole graph again unless the user moved it; the selection in view. */
  private _onResize(): void {
    const view = this._size();
    if (this._fitPending || !this._dag || view.width <= 0 || view.height <= 0) {
      this._initialView();
      return;
    }
    const sel = this._selection;
    const box = sel ? G.itemBox(sel.kind === 'node' ? sel.node : sel.edge) : null;
    this._setTransform(G.resizedTransform(this._t, this._dag, view, this._userMoved, box, this.readableZoom()));
  }

  private _select(item: Drawn<Selection> | null): void {
    this._split.setHidden(item === null);
    this._details.setHidden(item === null);
    this._selection?.el.classList.remove('jp-mod-selected');
    item?.el.classList.add('jp-mod-selected');
    this._selection = item;
    this._details.update();
  }

  /** A node: select it and open exactly that version (preview or pinned). An edge: show its details. */
  private _activate(target: Element, open: 'preview' | 'pinned' | null): void {
    const el = target.closest<SVGGElement>(ITEM);
    const item = el?.dataset.ref !== undefined ? this._nodes.get(el.dataset.ref) : this._edges.get(el?.dataset.stepId ?? '');
    this._select(item ?? null);
    if (item?.kind === 'node' && open) {
      this._open(item.node.ref, open === 'preview');
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
  private _userMoved = false;
  private _floor: { floor: number; measured: boolean } | null = null;
  private _measure: G.TextMeasure | undefined;
  private _announced: string[] = [];
  private _flash = 0;
  private _selection: Drawn<Selection> | null = null;
  private _resize: ResizeObserver | null = null;
  private _marker = `jp-Artifacts-dag-arrow-${++markers}`;
  private _nodes = new Map<string, Drawn<{ kind: 'node'; node: G.IPositionedNode }>>();
  private _edges = new Map<string, Drawn<{ kind: 'edge'; edge: G.IPositionedEdge }>>();
  private _svg = svg('svg');
  private _viewport = svg('g', { class: 'jp-Artifacts-dag-viewport' });
  private _notice = document.createElement('div');
  private _fresh = document.createElement('div');
  private _splitter: Splitter;
  private _split: Widget;
  private _host: IGraphHost = {
    transform: () => this._t,
    setTransform: (t, byUser) => {
      this._userMoved ||= byUser;
      this._setTransform(t);
    },
    floor: () => this.readableZoom(),
    fit: () => this.fitGraph(),
    zoom: factor => this.zoom(factor),
    activate: (target, open) => this._activate(target, open),
    deselect: () => this._select(null)
  };
  private _canvas = new Widget();
  private _toolbar = new Chrome(() => <LineageToolbar view={this} />, 'jp-Artifacts-dag-toolbar');
  private _legend = new Chrome(() => <LineageLegend graph={this._graph} />, 'jp-Artifacts-dag-legend');
  private _details = new Chrome(() => <Details item={this._selection} services={this._services}
    onClose={() => this._select(null)} />, 'jp-Artifacts-dag-details');
}
