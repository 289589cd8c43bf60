/**
 * A conflicted three-way merge (`merge-notebook`, or a working copy behind its head):
 * nbdime's NotebookMergeWidget built from the server's `{base, merge_decisions}`, under a
 * header that makes it trustworthy (nbdime#404, #563, #597): how many conflicts are left
 * (recounted after every click or key in the widget), "Next conflict" (scrolls to and
 * highlights the next unresolved place), "Mark resolved" (for conflicts nbdime gives no
 * control for, e.g. cell ids), and a commit button that stays disabled while conflicts
 * remain. The resolution is nbdime's `model.serialize()` with what the editors hold.
 */
import { ReactWidget } from '@jupyterlab/apputils';
import type * as nbformat from '@jupyterlab/nbformat';
import { Panel, Widget } from '@lumino/widgets';
import { IMergeDecision } from 'nbdime/lib/merge/decisions';
import { CellMergeModel, NotebookMergeModel } from 'nbdime/lib/merge/model';
import { CellMergeWidget, MetadataMergeWidget, NotebookMergeWidget } from 'nbdime/lib/merge/widget';
import React from 'react';

import type { MergeOutcome } from '../api';
import { countConflicts, describeConflicts, IConflictCount, nextConflict } from '../mergeNav';
import { describeError } from '../request';
import { IViewServices } from './services';

/** What to merge and how to store the resolution. */
export interface IMergeSpec {
  /** The tab title, `Merge NB-12 ← NB-12-fork`. */
  title: string;
  outcome: Pick<MergeOutcome, 'base_ref' | 'local_ref' | 'remote_ref' | 'base' | 'merge_decisions'>;
  /** The side merged in, as text: `NB-12-fork@v2`, or `the working copy analysis.ipynb`. */
  remoteLabel: string;
  commitLabel: string;
  rationale?: string;
  /** Store the resolution; resolves once stored (the view then closes), rejects with the reason. */
  commit: (resolved: nbformat.INotebookContent, rationale: string | undefined) => Promise<void>;
}

/** nbdime's widget, with its cell and metadata widgets readable for counting and scrolling. */
class TrackedMergeWidget extends NotebookMergeWidget {
  get cells(): CellMergeWidget[] {
    return this.cellWidgets ?? [];
  }
  get metadataPart(): MetadataMergeWidget | null {
    return this.metadataWidget;
  }
}

interface IPlace {
  left: number;
  node: HTMLElement;
  label: string;
  decisions: { conflict: boolean }[];
  /** nbdime's editors of the place, redrawn when its conflicts are marked resolved here. */
  views: unknown[];
}

/** Redraw an nbdime merge view after its decisions changed (what its own ⚠ click does). */
function redraw(view: unknown): void {
  const v = view as { updateDiffModels?: () => void; updateDiffViews?: () => void; alignViews?: () => void } | null;
  if (v && typeof v.updateDiffModels === 'function' && typeof v.updateDiffViews === 'function') {
    v.updateDiffModels();
    v.updateDiffViews();
    v.alignViews?.();
  }
}

function Header(props: { view: MergeView }): JSX.Element {
  const v = props.view;
  const { outcome } = v.spec;
  const count = v.count;
  const busy = v.state === 'committing';
  const left = count.decisions;
  return (
    <>
      <div className="jp-Artifacts-merge-refs">
        Merging <code>{v.spec.remoteLabel}</code> into <code>{outcome.local_ref}</code> over the common ancestor{' '}
        <code>{outcome.base_ref}</code>
      </div>
      <p className="jp-Artifacts-merge-help">
        Each changed cell shows the head ({outcome.local_ref}) on the left, the ancestor in the middle, the other side on
        the right and the result below. Pick a side with the arrows ➭, or edit the result, then click ⚠ in the result
        to mark that conflict resolved. Cell conflicts have “Resolve Conflict”, outputs “Mark resolved”.
      </p>
      <div className="jp-Artifacts-merge-bar">
        <span
          className={`jp-Artifacts-merge-count${left > 0 ? ' jp-mod-conflicts' : ' jp-mod-clean'}`}
          role="status"
          aria-live="polite"
          data-conflicts-left={left}
          data-places-left={count.places}
        >
          {v.state === 'loading' ? 'Loading the merge…' : describeConflicts(count)}
        </span>
        <button type="button" className="jp-Button jp-mod-styled jp-Artifacts-merge-next" disabled={left === 0 || busy}
          onClick={() => v.nextConflict()}>
          Next conflict
        </button>
        <button type="button" className="jp-Button jp-mod-styled jp-Artifacts-merge-mark"
          disabled={!v.current || v.current.left === 0 || busy} onClick={() => v.markCurrentResolved()}
          title="Mark every conflict of the highlighted place resolved (after editing the result yourself)">
          Mark resolved{v.current ? ` (${v.current.label})` : ''}
        </button>
        <input className="jp-mod-styled jp-Artifacts-merge-rationale" placeholder="Rationale (optional)"
          aria-label="Rationale" defaultValue={v.spec.rationale ?? ''} onChange={e => (v.rationale = e.target.value)} />
        <button type="button" className="jp-Button jp-mod-styled jp-mod-accept jp-Artifacts-merge-commit"
          disabled={left > 0 || v.state !== 'ready'} title={left > 0 ? 'Resolve every conflict first' : v.spec.commitLabel}
          onClick={() => void v.commit()}>
          {busy ? 'Storing…' : v.spec.commitLabel}
        </button>
      </div>
      {v.error && <div className="jp-Artifacts-error" role="alert">{v.error}</div>}
    </>
  );
}

class Chrome extends ReactWidget {
  constructor(private _view: MergeView) {
    super();
    this.addClass('jp-Artifacts-merge-header');
  }
  protected render(): JSX.Element {
    return <Header view={this._view} />;
  }
}

export class MergeView extends Panel {
  constructor(readonly spec: IMergeSpec, services: IViewServices) {
    super();
    this.addClass('jp-Artifacts-view');
    this.addClass('jp-Artifacts-merge-view');
    this.node.dataset.localRef = spec.outcome.local_ref;
    this.rationale = spec.rationale ?? '';
    this.addWidget(this._header);
    const scroller = new Panel();
    scroller.addClass('nbdime-root');
    scroller.addClass('jp-Artifacts-merge-scroller');
    this._scroller = scroller;
    this.addWidget(scroller);
    this.ready = this._load(services);
  }

  /** Resolves once nbdime's widget is built (or its error shown). */
  readonly ready: Promise<void>;
  state: 'loading' | 'ready' | 'committing' | 'error' = 'loading';
  error: string | null = null;
  rationale: string;
  count: IConflictCount = { decisions: 0, places: 0 };
  /** The highlighted place (after "Next conflict"). */
  current: IPlace | null = null;

  /** Scroll to and highlight the next place that still has conflicts. */
  nextConflict(): void {
    const places = this._places();
    const at = this.current ? places.findIndex(p => p.node === this.current!.node) : -1;
    const next = nextConflict(places, at);
    this.current?.node.classList.remove('jp-Artifacts-merge-current');
    this.current = next >= 0 ? places[next] : null;
    if (this.current) {
      this.current.node.classList.add('jp-Artifacts-merge-current');
      this.current.node.scrollIntoView({ block: 'start' });
    }
    this.recount();
  }

  /** Mark the highlighted place's conflicts resolved (its result as shown is kept). */
  markCurrentResolved(): void {
    for (const d of this.current?.decisions ?? []) {
      d.conflict = false;
    }
    for (const view of this.current?.views ?? []) {
      try {
        redraw(view);
      } catch (error) {
        console.warn('jupyter_artifacts: nbdime could not redraw a resolved conflict', error);
      }
    }
    this.current?.node.classList.add('jp-mod-marked-resolved');
    this.recount();
  }

  /** Count again what is left (nbdime signals nothing when a conflict is resolved). */
  recount(): void {
    const places = this._places();
    this.count = countConflicts(places);
    if (this.current) {
      this.current = places.find(p => p.node === this.current!.node) ?? null;
    }
    for (const p of places) {
      p.node.classList.toggle('jp-mod-unresolved', p.left > 0);
    }
    this.node.dataset.conflictsLeft = String(this.count.decisions);
    this._header.update();
  }

  /** The merged notebook: nbdime's model, with the text its editors hold. */
  resolved(): nbformat.INotebookContent {
    const widget = this._widget as TrackedMergeWidget;
    const model = widget.model;
    const nb = model.serialize();
    const byModel = new Map<CellMergeModel, CellMergeWidget>(widget.cells.map(w => [w.model, w]));
    nb.cells = [];
    for (const cell of model.cells) {
      const s = cell.serialize();
      if (s !== null) {
        nb.cells.push(byModel.get(cell)?.validateMerged(s) ?? s);
      }
    }
    const meta = widget.metadataPart;
    nb.metadata = meta ? meta.validateMerged(nb.metadata) : nb.metadata;
    return nb;
  }

  async commit(): Promise<void> {
    if (this.count.decisions > 0 || this.state !== 'ready') {
      return;
    }
    this.state = 'committing';
    this.error = null;
    this._header.update();
    try {
      await this.spec.commit(this.resolved(), this.rationale.trim() || undefined);
      this.state = 'ready';
      this.node.dataset.committed = 'true';
      this.parent?.dispose(); // the tab: what it merged is stored and open
    } catch (error) {
      this.state = 'ready';
      this.error = `The resolution was not stored: ${describeError(error)}`;
      this._header.update();
    }
  }

  dispose(): void {
    window.clearInterval(this._poll);
    super.dispose();
  }

  private async _load(services: IViewServices): Promise<void> {
    try {
      const { base, merge_decisions } = this.spec.outcome;
      const model = new NotebookMergeModel(base, merge_decisions as IMergeDecision[]);
      const widget = new TrackedMergeWidget({
        model,
        rendermime: services.rendermime,
        editorFactory: services.editorServices.factoryService.newInlineEditor
      });
      this._widget = widget;
      // nbdime's own @lumino/widgets typings are another copy of the same (shared) package.
      this._scroller.addWidget(widget as unknown as Widget);
      await widget.init();
      this.state = 'ready';
      for (const type of ['mouseup', 'keyup', 'drop', 'click']) {
        // After nbdime's own handlers (they run on the target, after this capture).
        this.node.addEventListener(type, () => requestAnimationFrame(() => this.recount()), true);
      }
      // Drag and drop and nbdime's deferred updates: a cheap recount now and then.
      this._poll = window.setInterval(() => this.isVisible && this.recount(), 1000);
      this.recount();
      this.node.dataset.ready = 'true';
    } catch (error) {
      this.state = 'error';
      this.error = `nbdime could not show this merge: ${describeError(error)}`;
      this.node.dataset.ready = 'error';
      this._header.update();
    }
  }

  private _places(): IPlace[] {
    const widget = this._widget as TrackedMergeWidget | null;
    if (!widget) {
      return [];
    }
    const places: IPlace[] = [];
    const meta = widget.metadataPart;
    if (meta) {
      const decisions = widget.model.metadata.decisions;
      places.push({ node: meta.node, label: 'notebook metadata', decisions, left: decisions.filter(d => d.conflict).length,
        views: [(meta as unknown as { view?: unknown }).view] });
    }
    const cells = widget.cells.filter(w => !w.isDisposed && w.node.isConnected);
    cells.sort((a, b) => (a.node.compareDocumentPosition(b.node) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1));
    cells.forEach((w, i) => {
      const decisions = w.model.decisions;
      places.push({ node: w.node, label: `cell ${i + 1}`, decisions, left: decisions.filter(d => d.conflict).length,
        views: [w.sourceView, w.metadataView] });
    });
    return places;
  }

  private _header = new Chrome(this);
  private _scroller: Panel;
  private _widget: NotebookMergeWidget | null = null;
  private _poll = 0;
}
