/**
 * The lineage DAG as a layout (a pure module: no DOM, no server; unit-tested in
 * tests/graph.spec.ts). Versions are nodes, processing steps are edges from the
 * input version to the output version; several steps between the same two
 * versions are all kept (a dagre multigraph). Ranks run left to right, so
 * inputs (older) sit on the left of their outputs.
 */
import { graphlib, layout } from '@dagrejs/dagre';

import type { LineageDirection, LineageEdge, LineageGraph, LineageNode } from './api';
import { shorten } from './models';

// Pan, zoom and fit live in graphView.ts; re-exported so the view imports one module.
export * from './graphView';

/** Sizes used to estimate label widths without measuring text in a DOM. */
export const NODE_METRICS = {
  /** Width of one character of the ref line (monospace, 12px). */
  refChar: 7.3,
  /** Average width of one character of the title line (11px sans). */
  titleChar: 6.2,
  padding: 12,
  minWidth: 96,
  maxWidth: 280,
  height: 42,
  /** Longest ref and title shown in full (the whole is in the tooltip). */
  maxRefChars: 36,
  maxTitleChars: 28,
  /** Edge label: one line of 10px text. */
  labelChar: 5.8,
  labelHeight: 14,
  maxLabelChars: 40
};

/** A version as drawn. */
export interface IDagNode {
  ref: string;
  artifactId: string;
  /** Null when the ref cannot be read as `X@vN`. */
  versionNumber: number | null;
  /** The ref line (shortened if very long). */
  label: string;
  /** The title line (shortened); '' when unknown. */
  subtitle: string;
  /** The whole title, for tooltips and details; null when unknown. */
  title: string | null;
  artifactType: string | null;
  contentHash: string | null;
  isLatest: boolean;
  /** The version the lineage starts from (every version of the artifact, for a bare id). */
  isRoot: boolean;
  /** Only referenced by an edge: the reply was truncated before this node. */
  missing: boolean;
  width: number;
  height: number;
}

/** A processing step as drawn. */
export interface IDagEdge {
  /** The step id, unique within the layout (the multigraph's edge name). */
  id: string;
  source: string;
  target: string;
  /** `step_type · method` (shortened). */
  label: string;
  step: LineageEdge;
}

export interface ILayoutInput {
  root: string;
  nodes: IDagNode[];
  edges: IDagEdge[];
}

export interface IPoint {
  x: number;
  y: number;
}

/** x, y: the centre of the node. */
export interface IPositionedNode extends IDagNode {
  x: number;
  y: number;
}

export interface IPositionedEdge extends IDagEdge {
  /** From the source's border to the target's border. */
  points: IPoint[];
  /** Where the label goes (its centre). */
  labelX: number;
  labelY: number;
}

export interface IDagLayout {
  root: string;
  nodes: IPositionedNode[];
  edges: IPositionedEdge[];
  width: number;
  height: number;
}

export interface ILayoutOptions {
  /** Space between ranks (columns), px. */
  ranksep?: number;
  /** Space between nodes of one rank, px. */
  nodesep?: number;
  edgesep?: number;
  margin?: number;
  /** dagre's ranker. Default: network-simplex (the most compact) for small graphs, tight-tree above
   * `FAST_RANKER_ABOVE` nodes + edges (4x faster on 500 versions, where network-simplex takes ~0.4 s). */
  ranker?: 'network-simplex' | 'tight-tree' | 'longest-path';
}

/** Nodes + edges above which the layout uses the faster ranker. */
export const FAST_RANKER_ABOVE = 300;

const REF = /^(.+)@v([0-9]+)$/;

/** `{artifactId, version}` of `X@vN`; null for anything else (a bare id, a row id). */
export function splitRef(ref: string): { artifactId: string; version: number } | null {
  const m = REF.exec(ref);
  return m ? { artifactId: m[1], version: Number(m[2]) } : null;
}

/**
 * Whether a node is the root of the lineage: `X@vN` names exactly one version
 * (`X@v03` is `X@v3`), a bare id every version of its artifact.
 */
export function isRoot(root: string, node: { ref: string; artifactId: string }): boolean {
  const pinned = splitRef(root);
  if (pinned) {
    const mine = splitRef(node.ref);
    return mine !== null && mine.artifactId === pinned.artifactId && mine.version === pinned.version;
  }
  return node.artifactId === root || node.ref === root;
}

/** An edge's label: its step type and method, e.g. `cell_append · differential-expression` (`fork`, not `fork · fork`). */
export function edgeLabel(step: Pick<LineageEdge, 'step_type' | 'method'>): string {
  const type = step.step_type || 'step';
  return step.method && step.method !== type ? `${type} · ${step.method}` : type;
}

function nodeSize(label: string, subtitle: string): { width: number; height: number } {
  const m = NODE_METRICS;
  const text = Math.max(label.length * m.refChar, subtitle.length * m.titleChar);
  const width = Math.min(m.maxWidth, Math.max(m.minWidth, Math.ceil(text + 2 * m.padding)));
  return { width, height: m.height };
}

function makeNode(root: string, ref: string, known: LineageNode | null): IDagNode {
  const split = splitRef(ref);
  const artifactId = known?.artifact_id ?? split?.artifactId ?? ref;
  const title = known?.title ?? null;
  const label = shorten(ref, NODE_METRICS.maxRefChars);
  const subtitle =
    known === null ? '(not loaded: truncated)' : shorten(title ?? '', NODE_METRICS.maxTitleChars);
  return {
    ref, artifactId, versionNumber: known?.version_number ?? split?.version ?? null, label, subtitle, title,
    artifactType: known?.artifact_type ?? null, contentHash: known?.content_hash ?? null,
    isLatest: known?.is_latest === true, isRoot: isRoot(root, { ref, artifactId }), missing: known === null,
    ...nodeSize(label, subtitle)
  };
}

/**
 * The layout input of a lineage reply: one node per version (first occurrence
 * wins), a node for every ref an edge names but `nodes` lacks (a truncated
 * reply), every edge kept (a repeated or empty step id gets a unique one).
 */
export function buildLayoutInput(graph: LineageGraph): ILayoutInput {
  const root = graph.root;
  const byRef = new Map<string, IDagNode>();
  for (const node of graph.nodes ?? []) {
    if (node && typeof node.ref === 'string' && !byRef.has(node.ref)) {
      byRef.set(node.ref, makeNode(root, node.ref, node));
    }
  }
  const edges: IDagEdge[] = [];
  const ids = new Set<string>();
  for (const step of graph.edges ?? []) {
    for (const ref of [step.source, step.target]) {
      if (!byRef.has(ref)) {
        byRef.set(ref, makeNode(root, ref, null));
      }
    }
    let id = step.id ? String(step.id) : `step-${edges.length}`;
    for (let n = 2; ids.has(id); n++) {
      id = `${step.id}#${n}`;
    }
    ids.add(id);
    const label = shorten(edgeLabel(step), NODE_METRICS.maxLabelChars);
    edges.push({ id, source: step.source, target: step.target, label, step });
  }
  return { root, nodes: [...byRef.values()], edges };
}

/** Run dagre (left to right) over the layout input. */
export function layoutGraph(input: ILayoutInput, options: ILayoutOptions = {}): IDagLayout {
  const margin = options.margin ?? 16;
  const g = new graphlib.Graph({ multigraph: true, directed: true });
  const fast = input.nodes.length + input.edges.length > FAST_RANKER_ABOVE;
  g.setGraph({ rankdir: 'LR', ranksep: options.ranksep ?? 40, nodesep: options.nodesep ?? 14,
    edgesep: options.edgesep ?? 8, marginx: margin, marginy: margin,
    ranker: options.ranker ?? (fast ? 'tight-tree' : 'network-simplex') });
  for (const node of input.nodes) {
    g.setNode(node.ref, { width: node.width, height: node.height });
  }
  const m = NODE_METRICS;
  for (const edge of input.edges) {
    const label = { width: Math.ceil(edge.label.length * m.labelChar), height: m.labelHeight, labelpos: 'c' };
    g.setEdge(edge.source, edge.target, label, edge.id);
  }
  layout(g);
  const nodes = input.nodes.map(node => {
    const placed = g.node(node.ref);
    return { ...node, x: placed.x ?? 0, y: placed.y ?? 0 };
  });
  const edges = input.edges.map(edge => {
    const placed = g.edge(edge.source, edge.target, edge.id) as { points?: IPoint[]; x?: number; y?: number };
    const points = (placed.points ?? []).map(p => ({ x: p.x, y: p.y }));
    const mid = midpoint(points);
    const [labelX, labelY] = typeof placed.x === 'number' ? [placed.x, placed.y ?? mid.y] : [mid.x, mid.y];
    return { ...edge, points, labelX, labelY };
  });
  const size = g.graph();
  const [width, height] = [Math.max(size.width ?? 0, 2 * margin), Math.max(size.height ?? 0, 2 * margin)];
  return { root: input.root, nodes, edges, width, height };
}

/** Build and lay out a lineage reply in one call. */
export function layoutLineage(graph: LineageGraph, options: ILayoutOptions = {}): IDagLayout {
  return layoutGraph(buildLayoutInput(graph), options);
}

function midpoint(points: IPoint[]): IPoint {
  if (points.length === 0) {
    return { x: 0, y: 0 };
  }
  const i = Math.floor((points.length - 1) / 2);
  const a = points[i];
  const b = points[Math.min(points.length - 1, i + (points.length % 2 === 0 ? 1 : 0))];
  return { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
}

/** An SVG path through the points: straight ends, rounded through the inner points. */
export function edgePath(points: IPoint[]): string {
  if (points.length === 0) {
    return '';
  }
  const f = (n: number) => Math.round(n * 10) / 10;
  let d = `M${f(points[0].x)},${f(points[0].y)}`;
  if (points.length === 2) {
    return `${d}L${f(points[1].x)},${f(points[1].y)}`;
  }
  for (let i = 1; i < points.length - 1; i++) {
    const p = points[i];
    const next = points[i + 1];
    const end = i === points.length - 2 ? next : { x: (p.x + next.x) / 2, y: (p.y + next.y) / 2 };
    d += `Q${f(p.x)},${f(p.y)} ${f(end.x)},${f(end.y)}`;
  }
  return d;
}

export const DIRECTIONS: readonly LineageDirection[] = ['ancestors', 'descendants', 'both'];

export interface IViewOptions {
  direction: LineageDirection;
  /** 1..50 */
  maxDepth: number;
}

/** Options of the view: the given ones where valid (depth rounded into 1..50), else `base`'s. */
export function viewOptions(
  given: { direction?: unknown; maxDepth?: unknown },
  base: IViewOptions = { direction: 'both', maxDepth: 5 }
): IViewOptions {
  const direction = DIRECTIONS.find(d => d === given.direction) ?? base.direction;
  const depth = given.maxDepth;
  const maxDepth =
    typeof depth === 'number' && Number.isFinite(depth)
      ? Math.min(50, Math.max(1, Math.round(depth)))
      : base.maxDepth;
  return { direction, maxDepth };
}

/** An SVG element for the view to build; `text` only ever becomes text (`textContent`), never markup. */
export interface ISvgItem {
  tag: 'g' | 'title' | 'rect' | 'text' | 'path' | 'circle';
  attrs: Record<string, string | number>;
  text?: string;
  children?: ISvgItem[];
}

/** A version: `<g class="jp-Artifacts-dag-node" data-ref tabindex="0">`, its ref and title lines as `<text>`. */
export function nodeItem(n: IPositionedNode): ISvgItem {
  const about = [n.title ?? '', n.isLatest ? 'latest' : '', n.isRoot ? 'lineage root' : '',
    n.missing ? 'not loaded (truncated)' : ''].filter(Boolean).join(' · ');
  const mods = [n.isRoot && ' jp-mod-root', n.isLatest && ' jp-mod-latest', n.missing && ' jp-mod-missing'];
  const pad = NODE_METRICS.padding;
  const children: ISvgItem[] = [
    { tag: 'title', attrs: {}, text: about ? `${n.ref}\n${about}` : n.ref },
    { tag: 'rect', attrs: { width: n.width, height: n.height, rx: 4 } },
    { tag: 'text', attrs: { class: 'jp-Artifacts-dag-node-ref', x: pad, y: 17 }, text: n.label },
    { tag: 'text', attrs: { class: 'jp-Artifacts-dag-node-title', x: pad, y: 33 }, text: n.subtitle }
  ];
  if (n.isLatest) {
    children.push({ tag: 'circle', attrs: { class: 'jp-Artifacts-dag-latest', cx: n.width - 8, cy: 8, r: 3.5 } });
  }
  const attrs = { class: `jp-Artifacts-dag-node${mods.filter(Boolean).join('')}`, 'data-ref': n.ref, tabindex: 0,
    role: 'button', 'aria-label': `Open ${n.ref}${about ? ` (${about})` : ''}`,
    transform: `translate(${n.x - n.width / 2},${n.y - n.height / 2})` };
  return { tag: 'g', attrs, children };
}

/** A step: `<g class="jp-Artifacts-dag-edge jp-mod-TYPE" data-step-id data-step-type tabindex="0">`. */
export function edgeItem(e: IPositionedEdge, markerId: string): ISvgItem {
  const d = edgePath(e.points);
  const type = (e.step.step_type || '').replace(/[^A-Za-z0-9_-]/g, '') || 'step';
  const attrs = { class: `jp-Artifacts-dag-edge jp-mod-${type}`, 'data-step-id': e.id, 'data-step-type': e.step.step_type,
    tabindex: 0, role: 'button', 'aria-label': `Step ${e.label}: ${e.source} to ${e.target}` };
  const label = { class: 'jp-Artifacts-dag-edge-label', x: e.labelX, y: e.labelY + 3.5, 'text-anchor': 'middle' };
  // A merge is drawn as a double line: the inner path cuts the wide line in two.
  const inner: ISvgItem[] = type === 'merge' ? [{ tag: 'path', attrs: { class: 'jp-Artifacts-dag-edge-inner', d } }] : [];
  return { tag: 'g', attrs, children: [
    { tag: 'title', attrs: {}, text: `${e.label}\n${e.source} → ${e.target}` },
    { tag: 'path', attrs: { class: 'jp-Artifacts-dag-edge-hit', d } },
    { tag: 'path', attrs: { class: 'jp-Artifacts-dag-edge-line', d, 'marker-end': `url(#${markerId})` } },
    ...inner,
    { tag: 'text', attrs: label, text: e.label }
  ] };
}

/** The kinds of step a legend names, in its order (others follow as they come). */
const STEP_KINDS: [string, string][] = [['cell_append', 'cell append'], ['derive', 'derive (edit, commit)'],
  ['merge', 'merge (two parents)'], ['fork', 'fork'], ['split', 'split'], ['cite', 'cite']];

/** The kinds of the steps present, for the legend. */
export function stepKinds(edges: Pick<LineageEdge, 'step_type'>[]): { type: string; label: string }[] {
  const present = new Set(edges.map(e => (e.step_type || '').replace(/[^A-Za-z0-9_-]/g, '') || 'step'));
  const known = STEP_KINDS.filter(([t]) => present.has(t)).map(([type, label]) => ({ type, label }));
  const other = [...present].filter(t => !STEP_KINDS.some(([k]) => k === t)).map(type => ({ type, label: type }));
  return [...known, ...other];
}

/** Whether a live change (`step`, `version`) concerns an artifact of the graph (or the root's). */
export function touchesGraph(
  event: { kind: string; artifact_id?: string; ref?: string },
  root: string,
  dag: IDagLayout | null
): boolean {
  const id = event.artifact_id ?? (event.ref ? splitRef(event.ref)?.artifactId : undefined);
  return (event.kind === 'step' || event.kind === 'version') && id !== undefined &&
    (id === (splitRef(root)?.artifactId ?? root) || !!dag?.nodes.some(n => n.artifactId === id));
}

/** The notice above the graph: an error, the truncation, an empty lineage, or nothing (''). */
export function notice(graph: LineageGraph | null, error: string | null): { kind: string; text: string } {
  if (error !== null) {
    return { kind: 'error', text: graph ? `Could not refresh the lineage: ${error}` : error };
  }
  if (graph?.truncated) {
    const refs = new Set(graph.nodes.map(n => n.ref));
    const dashed = graph.edges.some(e => !refs.has(e.source) || !refs.has(e.target)) ? ' Dashed versions were not loaded.' : '';
    return { kind: 'truncated', text: 'Truncated: the lineage goes on beyond what is shown (the depth or the size limit ' +
      `was reached).${dashed} Change the depth, or start from another version.` };
  }
  return graph && graph.nodes.length === 0 ? { kind: 'empty', text: 'No lineage recorded.' } : { kind: '', text: '' };
}

/** The file name of a PROV-JSON download. */
export function provFileName(ref: string, options: IViewOptions): string {
  return `lineage-${ref.replace(/[^A-Za-z0-9._@-]/g, '_')}-${options.direction}-${options.maxDepth}.prov.json`;
}
