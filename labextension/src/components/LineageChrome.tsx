/**
 * The lineage view's toolbar (direction, depth, zoom, PROV-JSON) and its legend: one
 * sample line per kind of step the graph holds, drawn with the very classes the edges
 * use (fork dashed, merge a double line, split dotted), so the legend cannot drift.
 */
import React from 'react';

import type { LineageDirection, LineageGraph } from '../api';
import * as G from '../graph';
import type { LineageView } from '../widgets/LineageView';

export function LineageToolbar(props: { view: LineageView }): JSX.Element {
  const v = props.view;
  const graph = v.graph;
  const button = (label: string, cls: string, onClick: () => void, title: string) => (
    <button type="button" className={`jp-Button jp-mod-styled jp-Artifacts-dag-${cls}`} title={title} aria-label={title}
      onClick={onClick}>{label}</button>
  );
  return (
    <>
      <span className="jp-Artifacts-dag-heading">Lineage of <code>{v.ref}</code></span>
      <label>Direction{' '}
        <select value={v.options.direction} aria-label="Direction" className="jp-Artifacts-dag-direction"
          onChange={e => v.setOptions({ direction: e.target.value as LineageDirection })}>
          {G.DIRECTIONS.map(d => <option key={d} value={d}>{d}</option>)}
        </select>
      </label>
      <label>Depth{' '}
        <input type="number" min={1} max={50} step={1} defaultValue={v.options.maxDepth} aria-label="Maximum depth"
          title="Maximum depth (1 to 50)" className="jp-Artifacts-dag-depth" onBlur={e => (e.target.value = String(v.options.maxDepth))}
          onChange={e => /^\d+$/.test(e.target.value) && v.setOptions({ maxDepth: Number(e.target.value) })} />
      </label>
      {button('Fit', 'fit', () => v.fit(), 'Fit to view')}
      {button('+', 'zoom-in', () => v.zoom(1.25), 'Zoom in')}
      {button('−', 'zoom-out', () => v.zoom(0.8), 'Zoom out')}
      {button('Download PROV-JSON', 'prov', () => void v.downloadProv(), 'Download PROV-JSON')}
      <span className="jp-Artifacts-dag-status" role="status">
        {v.loading ? 'Loading…' : graph
          ? `${v.dagLayout?.nodes.length ?? 0} versions, ${graph.edges.length} steps, depth ${graph.depth_reached}` : ''}
      </span>
    </>
  );
}

export function LineageLegend(props: { graph: LineageGraph | null }): JSX.Element | null {
  const kinds = G.stepKinds(props.graph?.edges ?? []);
  if (kinds.length === 0) {
    return null;
  }
  return (
    <ul className="jp-Artifacts-dag-legend-items" aria-label="Kinds of steps">
      {kinds.map(k => (
        <li key={k.type} data-step-type={k.type}>
          <svg width="36" height="12" aria-hidden="true" className="jp-Artifacts-dag-legend-sample">
            {/* Not a `jp-Artifacts-dag-edge`: that class names the graph's steps (tests, agents, clicks). */}
            <g className={`jp-Artifacts-dag-legend-sample jp-mod-${k.type}`}>
              <path className="jp-Artifacts-dag-edge-line" d="M3,6L33,6" />
              {k.type === 'merge' && <path className="jp-Artifacts-dag-edge-inner" d="M3,6L33,6" />}
            </g>
          </svg>
          <span>{k.label}</span>
        </li>
      ))}
    </ul>
  );
}
