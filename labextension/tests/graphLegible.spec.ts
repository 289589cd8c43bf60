/**
 * Issue 17's legible lineage in the pure modules: the readable-zoom floor, node and edge
 * text, the step panel's rationale and parameter rows, and following new versions.
 */
import { describe, expect, it } from 'vitest';

import type { LineageEdge, LineageGraph, LineageNode } from '../src/api';
import {
  boxInView,
  boxOf,
  fitTransform,
  followNew,
  initialTransform,
  ISvgItem,
  keepAnchor,
  layoutLineage,
  MIN_LABEL_PX,
  nodeItem,
  parameterRows,
  rationaleOf,
  READABLE_ZOOM,
  readableZoom,
  revealBox,
  stepText,
  zoomAt
} from '../src/graph';

function node(id: string, n: number, extra: Partial<LineageNode> = {}): LineageNode {
  return { ref: `${id}@v${n}`, artifact_id: id, version_number: n, artifact_type: 'notebook',
    title: `${id} version ${n}`, content_hash: `sha256:${id}${n}`, is_latest: false, ...extra };
}

let steps = 0;
function edge(source: string, target: string, extra: Partial<LineageEdge> = {}): LineageEdge {
  return { id: `s${++steps}`, source, target, step_type: 'cell_append', actor_type: 'agent', actor_id: 'ed-lein',
    recorded_by: null, method: 'differential-expression', parameters: {}, chamber_id: null,
    created_at: '2026-12-04T00:00:00Z', ...extra };
}

/** NB v1 → … → vN, a chain. */
function chain(n: number): LineageGraph {
  const nodes = Array.from({ length: n }, (_, i) => node('NB', i + 1, { is_latest: i === n - 1 }));
  const edges = nodes.slice(1).map((v, i) => edge(nodes[i].ref, v.ref));
  return { root: 'NB@v1', direction: 'both', nodes, edges, depth_reached: n - 1, truncated: false };
}

function texts(item: ISvgItem): string[] {
  return [...(item.text !== undefined ? [item.text] : []), ...(item.children ?? []).flatMap(texts)];
}

describe('the readable zoom', () => {
  it('is where the smallest label renders at 11 px, never a hair below', () => {
    expect(readableZoom([12, 13])).toBeCloseTo(11 / 12, 2);
    expect(12 * readableZoom([12, 13])).toBeGreaterThanOrEqual(MIN_LABEL_PX);
    expect(readableZoom([11])).toBe(1);
    expect(readableZoom([8, 12])).toBeCloseTo(11 / 8, 2); // tiny text: zoom in to read it
    expect(readableZoom([NaN, 0])).toBe(1);
  });

  it('stops zooming out (wheel, buttons) at the floor, but not zooming in', () => {
    const floor = READABLE_ZOOM;
    let t = { x: 0, y: 0, k: 1 };
    for (let i = 0; i < 20; i++) {
      t = zoomAt(t, 0.8, 100, 100, floor);
    }
    expect(t.k).toBe(floor);
    expect(zoomAt(t, 1.25, 0, 0, floor).k).toBeCloseTo(floor * 1.25);
  });

  it('fits a small graph whole, and a large one at the floor with its root in view', () => {
    const small = layoutLineage(chain(4));
    expect(initialTransform(small, { width: 1400, height: 700 })).toEqual(fitTransform(small, { width: 1400, height: 700 }));
    const big = layoutLineage(chain(30));
    const view = { width: 900, height: 500 };
    const t = initialTransform(big, view);
    expect(fitTransform(big, view).k).toBeLessThan(READABLE_ZOOM); // fitting it all would shrink the labels
    expect(t.k).toBe(READABLE_ZOOM);
    const root = big.nodes.find(n => n.isRoot)!;
    expect(boxInView(t, boxOf([root])!, view)).toBe(true);
  });
});

describe('what nodes and edges say', () => {
  it('shows a node\'s ref, type and title, the whole title in its tooltip', () => {
    const title = 'Microglial TREM2 signalling in aged mice, differential expression by genotype';
    const g = layoutLineage({ ...chain(2), nodes: [node('NB', 1, { title }), node('NB', 2)] });
    const v1 = nodeItem(g.nodes.find(n => n.ref === 'NB@v1')!);
    const t = texts(v1);
    expect(t).toContain('NB@v1');
    expect(t).toContain('notebook');
    expect(t.some(x => x.startsWith('Microglial TREM2') && x.endsWith('…'))).toBe(true);
    const tooltip = v1.children!.find(c => c.tag === 'title')!.text!;
    expect(tooltip).toContain(title);
    expect(tooltip).toContain('NB@v1 · notebook');
    const type = v1.children!.find(c => c.attrs.class === 'jp-Artifacts-dag-node-type')!;
    expect(type.attrs['text-anchor']).toBe('end');
  });

  it('labels steps as people read them', () => {
    expect(stepText({ step_type: 'cell_append', method: 'differential-expression' })).toBe(
      'cell append · differential-expression');
    expect(stepText({ step_type: 'merge', method: 'nbdime-merge' })).toBe('merge · nbdime-merge');
    expect(stepText({ step_type: 'fork', method: 'fork' })).toBe('fork');
    expect(stepText({ step_type: 'cell_append', method: 'cell append' })).toBe('cell append');
    expect(stepText({ step_type: '', method: null })).toBe('step');
    expect(layoutLineage(chain(2)).edges[0].label).toBe('cell append · differential-expression');
  });

  it('gives the step panel the rationale as text and the rest as key/value rows', () => {
    const p = { rationale: 'Plaque density differs by genotype', fdr: 0.05, contrast: 'AD vs control',
      cohorts: ['pilot', 'aged'], model: { family: 'nb', shrink: true }, empty: null };
    expect(rationaleOf(p)).toBe('Plaque density differs by genotype');
    expect(rationaleOf({ rationale: '  ' })).toBeNull();
    expect(rationaleOf({ rationale: 3 })).toBeNull();
    expect(rationaleOf(null)).toBeNull();
    expect(parameterRows(p)).toEqual([['cohorts', '["pilot","aged"]'], ['contrast', 'AD vs control'], ['empty', 'null'],
      ['fdr', '0.05'], ['model', '{"family":"nb","shrink":true}']]);
    expect(parameterRows({ rationale: 7 })).toEqual([['rationale', '7']]); // not text: kept as a parameter
    expect(parameterRows({})).toEqual([]);
    expect(parameterRows(undefined)).toEqual([]);
  });
});

describe('new versions that arrive live', () => {
  const view = { width: 1200, height: 600 };

  it('keeps the version at the centre in place when the layout shifts', () => {
    const t = { x: 10, y: 20, k: 0.9 };
    const moved = keepAnchor(t, { x: 100, y: 50 }, { x: 140, y: 30 });
    expect(moved.x + 140 * moved.k).toBeCloseTo(t.x + 100 * t.k);
    expect(moved.y + 30 * moved.k).toBeCloseTo(t.y + 50 * t.k);
  });

  it('reveals a box with the least pan, and says whether it is in view', () => {
    const t = { x: 0, y: 0, k: 1 };
    const box = { x: 1300, y: 100, width: 100, height: 50 };
    expect(boxInView(t, box, view)).toBe(false);
    const r = revealBox(t, box, view, 24);
    expect(boxInView(r, box, view, 23)).toBe(true);
    expect(r.x).toBeCloseTo(1200 - 24 - 1400);
    expect(r.y).toBe(0);
    expect(revealBox(r, box, view)).toEqual(r); // already there: no move
  });

  it('brings new versions into view when the user has not moved it', () => {
    const before = layoutLineage(chain(3));
    const after = layoutLineage(chain(4));
    const t = initialTransform(before, view);
    const r = followNew(t, before, after, view, false);
    expect(r.added).toEqual(['NB@v4']);
    expect(r.announce).toBe(false);
    expect(boxInView(r.transform, boxOf(after.nodes.filter(n => n.ref === 'NB@v4'))!, view)).toBe(true);
  });

  it('announces new versions off screen instead of moving a view the user moved', () => {
    const before = layoutLineage(chain(3));
    const after = layoutLineage(chain(4));
    // The user panned so that v1 sits at the right edge: v4, further right, is off screen.
    const v1 = before.nodes[0];
    const t = { k: 1, x: view.width - 40 - v1.x, y: 0 };
    const r = followNew(t, before, after, view, true);
    expect(r.announce).toBe(true);
    expect(r.added).toEqual(['NB@v4']);
    const v1After = after.nodes[0];
    expect(r.transform.x + v1After.x * r.transform.k).toBeCloseTo(t.x + v1.x * t.k); // nothing yanked
  });

  it('neither pans nor announces when nothing was added', () => {
    const g = layoutLineage(chain(3));
    const t = { x: 5, y: 6, k: 1 };
    expect(followNew(t, g, g, view, true)).toEqual({ transform: t, added: [], announce: false });
  });
});
