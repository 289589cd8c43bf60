/**
 * What the lineage DAG draws for a version and for a step, as plain data (ISvgItem) that
 * the view turns into SVG; sizes estimated without a DOM. Pure: unit-tested in
 * tests/graph.spec.ts through graph.ts, which re-exports this module.
 */
import type { LineageEdge } from './api';
import type { IPositionedEdge, IPositionedNode } from './graph';

/**
 * Sizes used to estimate label widths without measuring text in a DOM (lineage.css's
 * font sizes: `LABEL_FONT_PX`; widths per character generous for DejaVu, the widest
 * default font on Linux).
 */
export const NODE_METRICS = {
  /** Width of one character of the ref (monospace, 13 px, semi-bold). */
  refChar: 8,
  /** Average width of one character of the title and type (12 px sans). */
  titleChar: 6.8,
  padding: 12,
  /** Space between the ref and the type on the first line. */
  gap: 14,
  minWidth: 120,
  maxWidth: 320,
  height: 50,
  /** Baselines of the two lines. */
  line1: 20,
  line2: 39,
  /** Longest ref and title shown in full (the whole is in the tooltip). */
  maxRefChars: 32,
  maxTypeChars: 14,
  maxTitleChars: 32,
  /** Edge label: one line of 12 px text. */
  labelChar: 6.8,
  labelHeight: 18,
  maxLabelChars: 44
};

/** The graph's kinds of text (lineage.css: ref 13 px monospace semi-bold, the others 12 px sans). */
export type TextKind = 'ref' | 'type' | 'title' | 'edge';

/** The width of a text as drawn, px at 1:1 (the view measures it; tests estimate). */
export type TextMeasure = (text: string, kind: TextKind) => number;

/** An estimate without a DOM, from NODE_METRICS. */
export const estimateText: TextMeasure = (text, kind) => {
  const m = NODE_METRICS;
  return text.length * (kind === 'ref' ? m.refChar : kind === 'edge' ? m.labelChar : m.titleChar);
};

/** A node's width for its ref, type and title lines. */
export function nodeWidth(label: string, type: string, subtitle: string, measure: TextMeasure = estimateText): number {
  const m = NODE_METRICS;
  const first = measure(label, 'ref') + (type ? m.gap + measure(type, 'type') : 0);
  const text = Math.max(first, measure(subtitle, 'title'));
  return Math.min(m.maxWidth, Math.max(m.minWidth, Math.ceil(text + 2 * m.padding)));
}

/** A step as people read it: `cell append · differential-expression` (`fork`, not `fork · fork`). */
export function stepText(step: Pick<LineageEdge, 'step_type' | 'method'>): string {
  const type = step.step_type || 'step';
  const kind = type.replace(/_/g, ' ');
  const method = step.method?.trim();
  return method && method !== type && method !== kind ? `${kind} · ${method}` : kind;
}

/** An SVG element for the view to build; `text` only ever becomes text (`textContent`), never markup. */
export interface ISvgItem {
  tag: 'g' | 'title' | 'rect' | 'text' | 'path' | 'circle';
  attrs: Record<string, string | number>;
  text?: string;
  children?: ISvgItem[];
}

/**
 * A version: `<g class="jp-Artifacts-dag-node" data-ref tabindex="0">` with its ref and type
 * on the first line, its title (shortened) on the second, all as `<text>`; the whole in its `<title>`.
 */
export function nodeItem(n: IPositionedNode): ISvgItem {
  const flags = [n.isLatest ? 'latest' : '', n.isRoot ? 'lineage root' : '', n.missing ? 'not loaded (truncated)' : '']
    .filter(Boolean).join(' · ');
  const about = [n.title ?? '', flags].filter(Boolean).join(' · ');
  const mods = [n.isRoot && ' jp-mod-root', n.isLatest && ' jp-mod-latest', n.missing && ' jp-mod-missing'];
  const m = NODE_METRICS;
  const head = n.artifactType ? `${n.ref} · ${n.artifactType}` : n.ref;
  const children: ISvgItem[] = [
    { tag: 'title', attrs: {}, text: [head, n.title ?? '', flags].filter(Boolean).join('\n') },
    { tag: 'rect', attrs: { width: n.width, height: n.height, rx: 4 } },
    { tag: 'text', attrs: { class: 'jp-Artifacts-dag-node-ref', x: m.padding, y: m.line1 }, text: n.label }
  ];
  if (n.typeLabel) {
    children.push({ tag: 'text', attrs: { class: 'jp-Artifacts-dag-node-type', x: n.width - m.padding, y: m.line1,
      'text-anchor': 'end' }, text: n.typeLabel });
  }
  children.push({ tag: 'text', attrs: { class: 'jp-Artifacts-dag-node-title', x: m.padding, y: m.line2 }, text: n.subtitle });
  if (n.isLatest) {
    children.push({ tag: 'circle', attrs: { class: 'jp-Artifacts-dag-latest', cx: n.width - 6, cy: 6, r: 3 } });
  }
  const attrs = { class: `jp-Artifacts-dag-node${mods.filter(Boolean).join('')}`, 'data-ref': n.ref, tabindex: 0,
    role: 'button', 'aria-label': `Open ${head}${about ? ` (${about})` : ''}`,
    transform: `translate(${n.x - n.width / 2},${n.y - n.height / 2})` };
  return { tag: 'g', attrs, children };
}

/** A step: `<g class="jp-Artifacts-dag-edge jp-mod-TYPE" data-step-id data-step-type tabindex="0">`. */
export function edgeItem(e: IPositionedEdge, markerId: string): ISvgItem {
  const d = edgePath(e.points);
  const type = (e.step.step_type || '').replace(/[^A-Za-z0-9_-]/g, '') || 'step';
  const attrs = { class: `jp-Artifacts-dag-edge jp-mod-${type}`, 'data-step-id': e.id, 'data-step-type': e.step.step_type,
    tabindex: 0, role: 'button', 'aria-label': `Step ${e.label}: ${e.source} to ${e.target}` };
  const label = { class: 'jp-Artifacts-dag-edge-label', x: e.labelX, y: e.labelY + 4, 'text-anchor': 'middle' };
  // An opaque ground under the label, so the line does not show between its words.
  const w = e.labelWidth + 8;
  const ground = { class: 'jp-Artifacts-dag-edge-label-bg', x: e.labelX - w / 2, y: e.labelY - 9, width: w, height: 18, rx: 3 };
  // A merge is drawn as a double line: the inner path cuts the wide line in two.
  const inner: ISvgItem[] = type === 'merge' ? [{ tag: 'path', attrs: { class: 'jp-Artifacts-dag-edge-inner', d } }] : [];
  return { tag: 'g', attrs, children: [
    { tag: 'title', attrs: {}, text: `${stepText(e.step)}\n${e.source} → ${e.target}` },
    { tag: 'path', attrs: { class: 'jp-Artifacts-dag-edge-hit', d } },
    { tag: 'path', attrs: { class: 'jp-Artifacts-dag-edge-line', d, 'marker-end': `url(#${markerId})` } },
    ...inner,
    { tag: 'rect', attrs: ground },
    { tag: 'text', attrs: label, text: e.label }
  ] };
}

/** An SVG path through the points: straight ends, rounded through the inner points. */
export function edgePath(points: { x: number; y: number }[]): string {
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

/** A step's rationale (`parameters.rationale`) as text; null when it has none. */
export function rationaleOf(parameters: Record<string, unknown> | null | undefined): string | null {
  const r = parameters?.rationale;
  return typeof r === 'string' && r.trim() ? r : null;
}

/**
 * A step's parameters other than its rationale as key/value rows for a table, by key: strings as
 * they are, everything else (numbers, nested objects, lists) as compact JSON text.
 */
export function parameterRows(parameters: Record<string, unknown> | null | undefined): [string, string][] {
  if (!parameters || typeof parameters !== 'object' || Array.isArray(parameters)) {
    return parameters == null ? [] : [['(value)', JSON.stringify(parameters)]];
  }
  return Object.entries(parameters)
    .sort(([a], [b]) => a.localeCompare(b)) // (PostgreSQL's jsonb orders keys by length)
    .filter(([key, value]) => !(key === 'rationale' && typeof value === 'string'))
    .map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value) ?? String(value)]);
}
