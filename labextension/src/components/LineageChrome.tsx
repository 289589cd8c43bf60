/**
 * The lineage view's toolbar (direction, depth, zoom, PROV-JSON), its legend (one sample
 * line per kind of step the graph holds, drawn with the very classes the edges use: fork
 * dashed, merge a double line, split dotted, so the legend cannot drift) and its notice
 * of new versions that arrived off screen.
 */
import { Notification, ReactWidget } from '@jupyterlab/apputils';
import React from 'react';

import { LineageGraph, queryString, type LineageDirection } from '../api';
import * as G from '../graph';
import { describeError, requestAPI } from '../request';
import type { LineageView } from '../widgets/LineageView';

/** A React widget drawing whatever its callback returns, again on each `update()`. */
export class Chrome extends ReactWidget {
  constructor(private _render: () => JSX.Element, className: string) {
    super();
    this.addClass(className);
  }
  protected render(): JSX.Element {
    return this._render();
  }
}

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
      {button('Fit', 'fit', () => v.fitGraph(), 'Fit to view')}
      {button('+', 'zoom-in', () => v.zoom(1.25), 'Zoom in')}
      <button type="button" className="jp-Button jp-mod-styled jp-Artifacts-dag-zoom-out" disabled={!v.canZoomOut}
        title={v.canZoomOut ? 'Zoom out' : 'Zoomed out as far as labels stay readable (11 px); drag to pan'}
        aria-label="Zoom out" onClick={() => v.zoom(0.8)}>−</button>
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
    <>
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
      <span className="jp-Artifacts-dag-hint">
        Click a version to preview it, double-click to keep it open; click a step for its details.
      </span>
    </>
  );
}

/**
 * Fill `el` with "N new versions (refs) — Show ×", or empty and hide it for none. Plain DOM
 * (the notice lives on the graph's canvas); refs only ever as text.
 */
export function newVersionsNotice(el: HTMLElement, refs: string[], onShow: () => void, onDismiss: () => void): void {
  el.hidden = refs.length === 0;
  if (refs.length === 0) {
    el.replaceChildren();
    return;
  }
  const text = document.createElement('span');
  const list = refs.length <= 3 ? ` (${refs.join(', ')})` : '';
  text.textContent = `${refs.length} new version${refs.length === 1 ? '' : 's'}${list} — `;
  const show = Object.assign(document.createElement('button'), { type: 'button', textContent: 'Show',
    className: 'jp-Button jp-mod-styled jp-mod-accept jp-Artifacts-dag-show-new', title: 'Pan to the new versions' });
  show.addEventListener('click', onShow);
  const dismiss = Object.assign(document.createElement('button'), { type: 'button', textContent: '×',
    className: 'jp-Button jp-mod-minimal jp-Artifacts-dag-dismiss-new', title: 'Dismiss' });
  dismiss.setAttribute('aria-label', 'Dismiss');
  dismiss.addEventListener('click', onDismiss);
  el.replaceChildren(text, show, dismiss);
}

/** `GET .../lineage?format=prov-json` with these options, saved as a file. */
export async function downloadProv(ref: string, options: G.IViewOptions): Promise<void> {
  const { direction, maxDepth } = options;
  try {
    const query = queryString({ format: 'prov-json', direction, max_depth: maxDepth }); // through the one requestAPI
    const doc = await requestAPI<unknown>(`api/artifacts/${encodeURIComponent(ref)}/lineage${query}`);
    const url = URL.createObjectURL(new Blob([JSON.stringify(doc, null, 2)], { type: 'application/json' }));
    const a = Object.assign(document.createElement('a'), { href: url, download: G.provFileName(ref, options) });
    document.body.append(a);
    a.click();
    a.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
  } catch (error) {
    Notification.error(`Could not download the PROV-JSON of ${ref}: ${describeError(error)}`);
  }
}
