/**
 * The lineage DAG as a layout (a pure module: no DOM, no server; unit-tested in
 * tests/graph.spec.ts). Versions are nodes, processing steps are edges from the
 * input version to the output version; several steps between the same two
 * versions are all kept (a dagre multigraph). Ranks run left to right, so
 * inputs (older) sit on the left of their outputs.
 */
import { graphlib, layout } from '@dagrejs/dagre';

import type { LineageDirection, LineageEdge, LineageGraph, LineageNode } from './api';
import { estimateText, NODE_METRICS, nodeWidth, stepText, TextMeasure } from './graphItems';
import { shorten } from './models';

// Pan, zoom, fit (graphView.ts) and the SVG items (graphItems.ts), re-exported so the view imports one module.
export * from './graphView';
export * from './graphItems';

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
  /** The artifact type as shown after the ref (shortened); '' when unknown. */
  typeLabel: string;
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
  /** `step type · method` as people read it (shortened). */
  label: string;
  /** Its width as drawn, px at 1:1. */
  labelWidth: number;
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
  /** How wide text is drawn (the view measures it); default: an estimate. */
  measure?: TextMeasure;
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

/** A step's raw type and method (the history's wording; the graph draws `stepText`), e.g. `cell_append · differential-expression` (`fork`, not `fork · fork`). */
export function edgeLabel(step: Pick<LineageEdge, 'step_type' | 'method'>): string {
  const type = step.step_type || 'step';
  return step.method && step.method !== type ? `${type} · ${step.method}` : type;
}

function makeNode(root: string, ref: string, known: LineageNode | null, measure: TextMeasure): IDagNode {
  const split = splitRef(ref);
  const artifactId = known?.artifact_id ?? split?.artifactId ?? ref;
  const title = known?.title ?? null;
  const label = shorten(ref, NODE_METRICS.maxRefChars);
  const subtitle =
    known === null ? '(not loaded: truncated)' : shorten(title ?? '', NODE_METRICS.maxTitleChars);
  const artifactType = known?.artifact_type ?? null;
  const typeLabel = shorten(artifactType ?? '', NODE_METRICS.maxTypeChars);
  return {
    ref, artifactId, versionNumber: known?.version_number ?? split?.version ?? null, label, subtitle, typeLabel, title,
    artifactType, contentHash: known?.content_hash ?? null,
    isLatest: known?.is_latest === true, isRoot: isRoot(root, { ref, artifactId }), missing: known === null,
    width: nodeWidth(label, typeLabel, subtitle, measure), height: NODE_METRICS.height
  };
}

/**
 * The layout input of a lineage reply: one node per version (first occurrence
 * wins), a node for every ref an edge names but `nodes` lacks (a truncated
 * reply), every edge kept (a repeated or empty step id gets a unique one).
 */
export function buildLayoutInput(graph: LineageGraph, measure: TextMeasure = estimateText): ILayoutInput {
  const root = graph.root;
  const byRef = new Map<string, IDagNode>();
  for (const node of graph.nodes ?? []) {
    if (node && typeof node.ref === 'string' && !byRef.has(node.ref)) {
      byRef.set(node.ref, makeNode(root, node.ref, node, measure));
    }
  }
  const edges: IDagEdge[] = [];
  const ids = new Set<string>();
  for (const step of graph.edges ?? []) {
    for (const ref of [step.source, step.target]) {
      if (!byRef.has(ref)) {
        byRef.set(ref, makeNode(root, ref, null, measure));
      }
    }
    let id = step.id ? String(step.id) : `step-${edges.length}`;
    for (let n = 2; ids.has(id); n++) {
      id = `${step.id}#${n}`;
    }
    ids.add(id);
    const label = shorten(stepText(step), NODE_METRICS.maxLabelChars);
    edges.push({ id, source: step.source, target: step.target, label, labelWidth: Math.ceil(measure(label, 'edge')), step });
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
    const label = { width: edge.labelWidth + 8, height: m.labelHeight, labelpos: 'c' };
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
  return layoutGraph(buildLayoutInput(graph, options.measure), options);
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
