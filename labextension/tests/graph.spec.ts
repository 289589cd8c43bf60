import { describe, expect, it } from 'vitest';

import type { LineageEdge, LineageGraph, LineageNode } from '../src/api';
import {
  buildLayoutInput,
  centreOn,
  edgeItem,
  edgeLabel,
  edgePath,
  fitTransform,
  IDagLayout,
  initialTransform,
  ISvgItem,
  isRoot,
  keepInView,
  LABEL_FONT_PX,
  layoutGraph,
  layoutLineage,
  MAX_ZOOM,
  NODE_METRICS,
  READABLE_ZOOM,
  nodeItem,
  notice,
  provFileName,
  splitRef,
  stepKinds,
  touchesGraph,
  viewOptions,
  zoomAt
} from '../src/graph';

function node(artifactId: string, n: number, extra: Partial<LineageNode> = {}): LineageNode {
  return {
    ref: `${artifactId}@v${n}`,
    artifact_id: artifactId,
    version_number: n,
    artifact_type: 'notebook',
    title: `${artifactId} version ${n}`,
    content_hash: `sha256:${artifactId}${n}`,
    is_latest: false,
    ...extra
  };
}

let stepCounter = 0;
function edge(source: string, target: string, extra: Partial<LineageEdge> = {}): LineageEdge {
  return {
    id: `s${++stepCounter}`,
    source,
    target,
    step_type: 'derive',
    actor_type: 'agent',
    actor_id: 'ed-lein',
    recorded_by: 'alice',
    method: null,
    parameters: {},
    chamber_id: null,
    created_at: '2026-01-01T00:00:00Z',
    ...extra
  };
}

function reply(root: string, nodes: LineageNode[], edges: LineageEdge[], truncated = false): LineageGraph {
  return { root, direction: 'both', nodes, edges, depth_reached: 2, truncated };
}

/** A small lineage: NB-12 v1 → v2 → v3 (two steps v2 → v3), and a paper citing v2. */
function small(root = 'NB-12@v3'): LineageGraph {
  return reply(
    root,
    [
      node('NB-12', 1),
      node('NB-12', 2),
      node('NB-12', 3, { is_latest: true }),
      node('P-1', 1, { artifact_type: 'paper' })
    ],
    [
      edge('NB-12@v1', 'NB-12@v2', {
        id: 'a',
        step_type: 'cell_append',
        method: 'differential-expression'
      }),
      edge('NB-12@v2', 'NB-12@v3', {
        id: 'b',
        step_type: 'cell_append',
        method: 'plot'
      }),
      edge('NB-12@v2', 'NB-12@v3', { id: 'c', step_type: 'merge' }),
      edge('NB-12@v2', 'P-1@v1', {
        id: 'd',
        step_type: 'cite',
        method: 'legacy_link',
        actor_type: 'unknown'
      })
    ]
  );
}

/** `artifacts` × `versions` versions: a chain per artifact and cross links, like benchmarks/dag_view.py. */
export function big(artifacts: number, versions: number): LineageGraph {
  const nodes: LineageNode[] = [];
  const edges: LineageEdge[] = [];
  for (let a = 0; a < artifacts; a++) {
    for (let v = 1; v <= versions; v++) {
      nodes.push(node(`A-${a}`, v, { is_latest: v === versions }));
      if (v > 1) {
        edges.push(
          edge(`A-${a}@v${v - 1}`, `A-${a}@v${v}`, {
            step_type: 'derive',
            method: 'edit'
          })
        );
      }
      if (v % 3 === 0) {
        const b = (a * 7 + v) % artifacts;
        if (b !== a) {
          edges.push(
            edge(`A-${b}@v${v - 1}`, `A-${a}@v${v}`, {
              step_type: 'cite',
              method: 'cite'
            })
          );
        }
      }
    }
  }
  return reply('A-0@v10', nodes, edges);
}

function overlaps(layout: IDagLayout): string[] {
  const found: string[] = [];
  const sorted = [...layout.nodes].sort((p, q) => p.x - p.width / 2 - (q.x - q.width / 2));
  for (let i = 0; i < sorted.length; i++) {
    const a = sorted[i];
    for (let j = i + 1; j < sorted.length; j++) {
      const b = sorted[j];
      if (b.x - b.width / 2 >= a.x + a.width / 2) {
        break;
      }
      const apartY = Math.abs(a.y - b.y) >= (a.height + b.height) / 2;
      if (!apartY) {
        found.push(`${a.ref} / ${b.ref}`);
      }
    }
  }
  return found;
}

describe('buildLayoutInput', () => {
  it('makes one node per version labelled with its ref, and one edge per step', () => {
    const input = buildLayoutInput(small());
    expect(input.nodes.map(n => n.ref).sort()).toEqual(['NB-12@v1', 'NB-12@v2', 'NB-12@v3', 'P-1@v1']);
    const v3 = input.nodes.find(n => n.ref === 'NB-12@v3')!;
    expect(v3.label).toBe('NB-12@v3');
    expect(v3.subtitle).toBe('NB-12 version 3');
    expect(v3.isLatest).toBe(true);
    expect(v3.versionNumber).toBe(3);
    expect(v3.missing).toBe(false);
    expect(input.edges).toHaveLength(4);
  });

  it('keeps every step between the same two versions', () => {
    const input = buildLayoutInput(small());
    const parallel = input.edges.filter(e => e.source === 'NB-12@v2' && e.target === 'NB-12@v3');
    expect(parallel.map(e => e.id).sort()).toEqual(['b', 'c']);
    const layout = layoutGraph(input);
    expect(layout.edges.filter(e => e.source === 'NB-12@v2' && e.target === 'NB-12@v3')).toHaveLength(2);
  });

  it('gives repeated step ids unique names', () => {
    const g = reply(
      'X@v1',
      [node('X', 1), node('X', 2)],
      [
        edge('X@v1', 'X@v2', { id: 'same' }),
        edge('X@v1', 'X@v2', { id: 'same' }),
        edge('X@v1', 'X@v2', { id: '' })
      ]
    );
    const ids = buildLayoutInput(g).edges.map(e => e.id);
    expect(new Set(ids).size).toBe(3);
    expect(layoutLineage(g).edges).toHaveLength(3);
  });

  it('adds nodes that edges name but a truncated reply left out', () => {
    const g = reply(
      'NB-12@v3',
      [node('NB-12', 3)],
      [edge('NB-12@v2', 'NB-12@v3'), edge('NB-12@v3', 'Q-9@v4')],
      true
    );
    const input = buildLayoutInput(g);
    const missing = input.nodes
      .filter(n => n.missing)
      .map(n => n.ref)
      .sort();
    expect(missing).toEqual(['NB-12@v2', 'Q-9@v4']);
    const q = input.nodes.find(n => n.ref === 'Q-9@v4')!;
    expect(q.artifactId).toBe('Q-9');
    expect(q.versionNumber).toBe(4);
    expect(q.title).toBeNull();
    const layout = layoutGraph(input);
    expect(layout.nodes).toHaveLength(3);
    expect(layout.edges.every(e => e.points.length >= 2)).toBe(true);
  });

  it('marks the root version, or every version of the root artifact for a bare id', () => {
    expect(
      buildLayoutInput(small('NB-12@v3'))
        .nodes.filter(n => n.isRoot)
        .map(n => n.ref)
    ).toEqual(['NB-12@v3']);
    expect(
      buildLayoutInput(small('NB-12'))
        .nodes.filter(n => n.isRoot)
        .map(n => n.ref)
        .sort()
    ).toEqual(['NB-12@v1', 'NB-12@v2', 'NB-12@v3']);
    expect(isRoot('NB-12@v03', { ref: 'NB-12@v3', artifactId: 'NB-12' })).toBe(true);
    expect(isRoot('NB-1', { ref: 'NB-12@v3', artifactId: 'NB-12' })).toBe(false);
  });

  it('labels edges with step type and method', () => {
    expect(edgeLabel({ step_type: 'cell_append', method: 'differential-expression' })).toBe(
      'cell_append · differential-expression'
    );
    expect(edgeLabel({ step_type: 'fork', method: null })).toBe('fork');
    expect(edgeLabel({ step_type: 'split', method: 'split' })).toBe('split'); // not "split · split"
    const input = buildLayoutInput(small());
    expect(input.edges.find(e => e.id === 'd')!.label).toBe('cite · legacy_link');
    expect(input.edges.find(e => e.id === 'd')!.step.actor_type).toBe('unknown');
  });

  it('keeps hostile titles as plain data, shortened', () => {
    const title = '<img src=x onerror="alert(1)"> a very long title that goes on and on';
    const input = buildLayoutInput(reply('X@v1', [node('X', 1, { title })], []));
    expect(input.nodes[0].title).toBe(title);
    expect(input.nodes[0].subtitle.startsWith('<img src=x')).toBe(true);
    expect(input.nodes[0].subtitle.length).toBeLessThanOrEqual(NODE_METRICS.maxTitleChars);
  });

  it('reads refs', () => {
    expect(splitRef('NB-12@v3')).toEqual({ artifactId: 'NB-12', version: 3 });
    expect(splitRef('NB-12')).toBeNull();
  });
});

describe('layoutGraph', () => {
  it('places older versions left of newer ones, at finite positions, without overlaps', () => {
    const layout = layoutLineage(small());
    const x = (ref: string) => layout.nodes.find(n => n.ref === ref)!.x;
    expect(x('NB-12@v1')).toBeLessThan(x('NB-12@v2'));
    expect(x('NB-12@v2')).toBeLessThan(x('NB-12@v3'));
    for (const n of layout.nodes) {
      expect(Number.isFinite(n.x) && Number.isFinite(n.y)).toBe(true);
      expect(n.x - n.width / 2).toBeGreaterThanOrEqual(0);
      expect(n.x + n.width / 2).toBeLessThanOrEqual(layout.width + 0.5);
      expect(n.y + n.height / 2).toBeLessThanOrEqual(layout.height + 0.5);
    }
    for (const e of layout.edges) {
      expect(e.points.length).toBeGreaterThanOrEqual(2);
      expect(e.points.every(p => Number.isFinite(p.x) && Number.isFinite(p.y))).toBe(true);
      expect(Number.isFinite(e.labelX) && Number.isFinite(e.labelY)).toBe(true);
    }
    expect(overlaps(layout)).toEqual([]);
  });

  it('draws parallel steps apart', () => {
    const layout = layoutLineage(small());
    const [b, c] = ['b', 'c'].map(id => layout.edges.find(e => e.id === id)!);
    expect(edgePath(b.points)).not.toBe(edgePath(c.points));
  });

  it('lays out an empty reply and a cycle', () => {
    const empty = layoutLineage(reply('X', [], []));
    expect(empty.nodes).toEqual([]);
    expect(empty.width).toBeGreaterThan(0);
    const cycle = layoutLineage(
      reply('X@v1', [node('X', 1), node('Y', 1)], [edge('X@v1', 'Y@v1'), edge('Y@v1', 'X@v1')])
    );
    expect(cycle.edges).toHaveLength(2);
    expect(overlaps(cycle)).toEqual([]);
  });

  it('lays out a 500-version reply', () => {
    const g = big(25, 20);
    expect(g.nodes).toHaveLength(500);
    const t0 = performance.now();
    const layout = layoutLineage(g);
    const ms = performance.now() - t0;
    console.log(`500 nodes, ${g.edges.length} edges laid out in ${ms.toFixed(0)} ms`);
    expect(layout.nodes).toHaveLength(500);
    expect(layout.edges).toHaveLength(g.edges.length);
    expect(layout.nodes.every(n => Number.isFinite(n.x) && Number.isFinite(n.y))).toBe(true);
    expect(overlaps(layout)).toEqual([]);
    expect(layout.nodes.filter(n => n.isRoot).map(n => n.ref)).toEqual(['A-0@v10']);
  }, 30_000);
});

describe('view transforms', () => {
  it('fits a graph inside the view, never above 1:1', () => {
    const t = fitTransform({ width: 2000, height: 500 }, { width: 1000, height: 500 }, 0);
    expect(t.k).toBeCloseTo(0.5);
    expect(t.x).toBeCloseTo(0);
    expect(t.y).toBeCloseTo(125);
    expect(fitTransform({ width: 100, height: 100 }, { width: 1000, height: 500 }).k).toBe(1);
  });

  it('zooms around the pointer and centres on a point', () => {
    const t = zoomAt({ x: 10, y: 20, k: 1 }, 2, 110, 120);
    // The graph point under the pointer stays there.
    expect((110 - t.x) / t.k).toBeCloseTo(100);
    expect((120 - t.y) / t.k).toBeCloseTo(100);
    expect(zoomAt(t, 1000, 0, 0).k).toBe(MAX_ZOOM);
    const c = centreOn({ x: 50, y: 50 }, { width: 200, height: 100 }, 1);
    expect(c).toEqual({ k: 1, x: 50, y: 0 });
  });

  it('draws paths through the points', () => {
    expect(edgePath([])).toBe('');
    expect(
      edgePath([
        { x: 0, y: 0 },
        { x: 10, y: 5 }
      ])
    ).toBe('M0,0L10,5');
    expect(
      edgePath([
        { x: 0, y: 0 },
        { x: 10, y: 5 },
        { x: 20, y: 0 }
      ])
    ).toBe('M0,0Q10,5 20,0');
  });
});

function texts(item: ISvgItem): string[] {
  return [...(item.text !== undefined ? [item.text] : []), ...(item.children ?? []).flatMap(texts)];
}

describe('SVG items and options of the view', () => {
  it('gives nodes and edges their DOM hooks, with server strings as text only', () => {
    const title = '<img src=x onerror="alert(1)">';
    const g = small();
    g.nodes[2].title = title;
    const layout = layoutLineage(g);
    const v3 = nodeItem(layout.nodes.find(n => n.ref === 'NB-12@v3')!);
    expect(v3.tag).toBe('g');
    expect(v3.attrs['data-ref']).toBe('NB-12@v3');
    expect(v3.attrs.tabindex).toBe(0);
    expect(String(v3.attrs.class).split(' ')).toEqual(['jp-Artifacts-dag-node', 'jp-mod-root', 'jp-mod-latest']);
    expect(texts(v3)).toContain('NB-12@v3');
    expect(texts(v3).some(t => t.startsWith('<img'))).toBe(true); // as text, for textContent
    const d = edgeItem(layout.edges.find(e => e.id === 'd')!, 'arrow-1');
    expect(d.attrs).toMatchObject({ 'data-step-id': 'd', 'data-step-type': 'cite', tabindex: 0 });
    expect(String(d.attrs.class)).toBe('jp-Artifacts-dag-edge jp-mod-cite');
    expect(texts(d)).toContain('cite · legacy_link');
    const line = d.children!.find(c => c.attrs.class === 'jp-Artifacts-dag-edge-line')!;
    expect(line.attrs['marker-end']).toBe('url(#arrow-1)');
    expect(String(line.attrs.d).startsWith('M')).toBe(true);
    const odd = layoutLineage(reply('X@v1', [node('X', 1), node('X', 2)], [edge('X@v1', 'X@v2', { step_type: 'a b"<' })]));
    expect(edgeItem(odd.edges[0], 'm').attrs.class).toBe('jp-Artifacts-dag-edge jp-mod-ab');
  });

  it('reads the options with the contract defaults and range', () => {
    expect(viewOptions({})).toEqual({ direction: 'both', maxDepth: 5 });
    expect(viewOptions({ direction: 'ancestors', maxDepth: 50 })).toEqual({ direction: 'ancestors', maxDepth: 50 });
    expect(viewOptions({ direction: 'sideways', maxDepth: 0 })).toEqual({ direction: 'both', maxDepth: 1 });
    expect(viewOptions({ maxDepth: 99.6 }).maxDepth).toBe(50);
    expect(viewOptions({ maxDepth: NaN }, { direction: 'descendants', maxDepth: 7 })).toEqual({
      direction: 'descendants',
      maxDepth: 7
    });
  });
});

describe('view decisions', () => {
  it('opens on the whole graph when readable, else on the root', () => {
    const g = small();
    const layout = layoutLineage(g);
    expect(initialTransform(layout, { width: 4000, height: 3000 })).toEqual(
      fitTransform(layout, { width: 4000, height: 3000 })
    );
    const tiny = { width: 200, height: 100 };
    const root = layout.nodes.find(n => n.isRoot)!;
    const t = initialTransform(layout, tiny);
    expect(t.k).toBe(READABLE_ZOOM);
    expect(t).toEqual(keepInView(centreOn(root, tiny, READABLE_ZOOM), layout, tiny));
    // Text never drawn below 11 px: fitting stops where the smallest label (12 px) is 11 px.
    expect(Math.min(...Object.values(LABEL_FONT_PX)) * READABLE_ZOOM).toBeGreaterThanOrEqual(11);
    expect(READABLE_ZOOM).toBeLessThan(1);
  });

  it('follows live changes of the artifacts of the graph only', () => {
    const layout = layoutLineage(small('NB-12@v3'));
    expect(touchesGraph({ kind: 'step', artifact_id: 'P-1' }, 'NB-12@v3', layout)).toBe(true);
    expect(touchesGraph({ kind: 'version', ref: 'NB-12@v4' }, 'NB-12@v3', layout)).toBe(true);
    expect(touchesGraph({ kind: 'version', artifact_id: 'Z-9' }, 'NB-12@v3', layout)).toBe(false);
    expect(touchesGraph({ kind: 'tag', artifact_id: 'NB-12' }, 'NB-12@v3', layout)).toBe(false);
    expect(touchesGraph({ kind: 'step', artifact_id: 'NB-12' }, 'NB-12', null)).toBe(true);
  });

  it('says when the reply was truncated or failed, as text', () => {
    const g = small();
    expect(notice(g, null)).toEqual({ kind: '', text: '' });
    expect(notice({ ...g, truncated: true }, null).kind).toBe('truncated');
    expect(notice({ ...g, truncated: true }, null).text).not.toContain('Dashed');
    const cut = reply('NB-12@v3', [node('NB-12', 3)], [edge('NB-12@v2', 'NB-12@v3')], true);
    expect(notice(cut, null).text).toContain('Dashed versions were not loaded.');
    expect(notice(null, 'Artifact X not found')).toEqual({ kind: 'error', text: 'Artifact X not found' });
    expect(notice(g, 'offline').text).toBe('Could not refresh the lineage: offline');
    expect(provFileName('NB-12@v3', { direction: 'both', maxDepth: 5 })).toBe('lineage-NB-12@v3-both-5.prov.json');
    expect(provFileName('a/b:c', { direction: 'ancestors', maxDepth: 50 })).toBe('lineage-a_b_c-ancestors-50.prov.json');
  });
});

describe('kinds of steps', () => {
  it('draws a merge as a double line (an inner path), other kinds as one', () => {
    const g = layoutLineage({
      root: 'NB@v3', direction: 'both', depth_reached: 1, truncated: false,
      nodes: [node('NB', 2), node('NB-fork', 1), node('NB', 3)],
      edges: [edge('NB@v2', 'NB@v3', { step_type: 'merge' }), edge('NB-fork@v1', 'NB@v3', { step_type: 'merge' }),
        edge('NB@v2', 'NB-fork@v1', { step_type: 'fork' })]
    });
    const classes = (item: ISvgItem) => (item.children ?? []).map(c => String(c.attrs.class ?? c.tag));
    const merges = g.edges.filter(e => e.step.step_type === 'merge').map(e => edgeItem(e, 'm'));
    expect(merges).toHaveLength(2);
    for (const m of merges) {
      expect(m.attrs.class).toBe('jp-Artifacts-dag-edge jp-mod-merge');
      expect(classes(m)).toContain('jp-Artifacts-dag-edge-inner');
    }
    const fork = edgeItem(g.edges.find(e => e.step.step_type === 'fork')!, 'm');
    expect(classes(fork)).not.toContain('jp-Artifacts-dag-edge-inner');
  });

  it('lists the kinds present for the legend, known ones first in a fixed order', () => {
    const kinds = stepKinds([{ step_type: 'fork' }, { step_type: 'merge' }, { step_type: 'weird kind' }, { step_type: 'merge' }]);
    expect(kinds.map(k => k.type)).toEqual(['merge', 'fork', 'weirdkind']);
    expect(kinds[0].label).toBe('merge (two parents)');
    expect(stepKinds([])).toEqual([]);
  });
});

describe('keepInView', () => {
  const view = { width: 800, height: 400 };
  it('moves a root at the end of a wide graph to the edge, leaving no empty band', () => {
    const graph = { width: 2000, height: 100 };
    // Centred on a point near the right end, the graph would stop in the middle of the view.
    const t = keepInView(centreOn({ x: 1950, y: 50 }, view, 1), graph, view);
    expect(t.x + graph.width).toBeCloseTo(view.width - 16);
    expect(t.y).toBeCloseTo((view.height - graph.height) / 2); // what fits is centred
    // ... and at the left end, to the left edge.
    expect(keepInView(centreOn({ x: 20, y: 50 }, view, 1), graph, view).x).toBeCloseTo(16);
    // In the middle, nothing moves.
    const mid = centreOn({ x: 1000, y: 50 }, view, 1);
    expect(keepInView(mid, graph, view).x).toBeCloseTo(mid.x);
  });
});
