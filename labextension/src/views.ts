/**
 * Opening the main-area views (version, history, diff): one tab per thing
 * shown, reused when it is already open, restored with the layout. Versions
 * open in the preview tab or pinned ones (versionTabs.ts). A view that cannot
 * show what it was opened for leaves no tab: the open rejects with the view's
 * error, for the command to say once.
 */
import { ILayoutRestorer, JupyterFrontEnd } from '@jupyterlab/application';
import { MainAreaWidget, ReactWidget, WidgetTracker } from '@jupyterlab/apputils';
import type * as nbformat from '@jupyterlab/nbformat';
import { Panel, Widget } from '@lumino/widgets';

import { formatRef, IRef } from './models';
import { CommandIDs } from './tokens';
import { refOf, VersionTab, VersionTabs } from './versionTabs';
import { ChamberView } from './widgets/ChamberView';
import { DebatesView } from './widgets/DebatesView';
import { DebateView } from './widgets/DebateView';
import { DiffView } from './widgets/DiffView';
import { HistoryView } from './widgets/HistoryView';
import { ILineageOptions, LineageView } from './widgets/LineageView';
import { IMergeSpec, MergeView } from './widgets/MergeView';
import { ReplayDiffView } from './widgets/ReplayDiffView';
import { IViewServices } from './widgets/services';

type Tab<T extends Widget> = MainAreaWidget<T>;
type View = Widget & { ready: Promise<void> };

let counter = 0;

/**
 * The error a freshly loaded view shows instead of its content, if any. The
 * views catch their load errors and render them (`.jp-Artifacts-error`, or
 * `data-ready="error"`); React views render on their next update, so it is
 * rendered here first.
 */
async function failureShown(view: Widget): Promise<string | null> {
  const widgets = view instanceof Panel ? [view, ...view.widgets] : [view];
  for (const w of widgets) {
    if (w instanceof ReactWidget) {
      w.processMessage(Widget.Msg.UpdateRequest);
      await w.renderPromise;
    }
  }
  const alert = view.node.querySelector('.jp-Artifacts-error[role="alert"]');
  if (alert === null && view.node.dataset.ready !== 'error') {
    return null;
  }
  return alert?.textContent?.trim() || 'The view could not be shown.';
}

export class Views {
  constructor(
    private _app: JupyterFrontEnd,
    private _services: IViewServices,
    restorer: ILayoutRestorer | null
  ) {
    this.versionTabs = new VersionTabs(_app, _services);
    if (restorer) {
      void restorer.restore(this.versionTabs.tracker, {
        command: CommandIDs.openVersion,
        args: w => ({ ref: refOf(w.content.target) }),
        name: w => refOf(w.content.target)
      });
      void restorer.restore(this._chambers, {
        command: CommandIDs.openChamber,
        args: w => ({ id: w.content.chamberId }),
        name: w => this._key(w)
      });
      void restorer.restore(this._debates, {
        command: CommandIDs.openDebate,
        args: w => ({ id: w.content.sessionId }),
        name: w => this._key(w)
      });
      void restorer.restore(this._histories, {
        command: CommandIDs.showHistory,
        args: w => ({ id: w.content.artifactId }),
        name: w => this._key(w)
      });
    }
  }

  /** The tabs of version views (the preview tab, back and forward). */
  readonly versionTabs: VersionTabs;

  /** Exactly the version named (a bare id: the latest); `preview`: in the preview tab. */
  openVersion(target: IRef, options: { preview?: boolean } = {}): Promise<VersionTab> {
    return this.versionTabs.open(target, options.preview ?? false);
  }

  openHistory(artifactId: string): Promise<Tab<HistoryView>> {
    return this._open(this._histories, `history:${artifactId}`, () => {
      const widget = new MainAreaWidget({ content: new HistoryView(artifactId, this._services) });
      widget.title.label = `History ${artifactId}`;
      return widget;
    });
  }

  openDiff(artifactId: string, from?: number, to?: number): Promise<Tab<DiffView>> {
    const key = `diff:${artifactId}:${from ?? ''}:${to ?? ''}`;
    return this._open(this._diffs, key, () => {
      const view = new DiffView(artifactId, from, to, this._services);
      const widget = new MainAreaWidget({ content: view });
      widget.title.label = `${artifactId} diff`;
      view.ready.then(() => {
        if (view.label) {
          widget.title.label = view.label;
        }
      });
      return widget;
    });
  }

  /** nbdime's diff of a replay's stored outputs against the replayed ones (`Replay NB-12@v3`). */
  openReplayDiff(replayId: string, ref?: string): Promise<Tab<ReplayDiffView>> {
    return this._open(this._replayDiffs, `replay:${replayId}`, () => {
      const view = new ReplayDiffView(replayId, this._services);
      const widget = new MainAreaWidget({ content: view });
      widget.title.label = ref ? `Replay ${ref}` : 'Replay';
      view.ready.then(() => {
        if (view.label) {
          widget.title.label = view.label;
        }
      });
      return widget;
    });
  }

  /**
   * The diff of an unsaved copy (a working copy) against version `from` of its notebook;
   * one tab per copy (`key`), loaded afresh each time.
   */
  openCopyDiff(artifactId: string, from: number, copy: nbformat.INotebookContent, key: string): Promise<Tab<DiffView>> {
    this._diffs.find(w => this._key(w) === `copy:${key}`)?.dispose();
    return this._open(this._diffs, `copy:${key}`, () => {
      const view = new DiffView(artifactId, from, undefined, this._services, copy);
      const widget = new MainAreaWidget({ content: view });
      widget.title.label = `${artifactId} v${from} → working copy`;
      widget.title.caption = `${key}: the changes since ${formatRef(artifactId, from)}, not saved as a version`;
      return widget;
    });
  }

  /** A conflicted merge (`Merge X ← Y`); an open one for the same pair is replaced. */
  openMerge(spec: IMergeSpec): Promise<Tab<MergeView>> {
    this._merges.find(w => this._key(w) === `merge:${spec.title}`)?.dispose();
    return this._open(this._merges, `merge:${spec.title}`, () => {
      const widget = new MainAreaWidget({ content: new MergeView(spec, this._services) });
      widget.title.label = spec.title;
      return widget;
    });
  }

  /** What the views are built with (for dialogs that show nbdime's widgets). */
  get services(): IViewServices {
    return this._services;
  }

  /** The lineage DAG of a version (a bare id: every version of the artifact). */
  openLineage(ref: string, options: ILineageOptions): Promise<Tab<LineageView>> {
    const key = `lineage:${ref}:${options.direction ?? 'both'}:${options.maxDepth ?? 5}`;
    return this._open(this._lineages, key, () => {
      const view = new LineageView(ref, options, this._services);
      const widget = new MainAreaWidget({ content: view });
      widget.title.label = view.label;
      return widget;
    });
  }

  /** The chamber last opened (or created) here: where `pull-into-chamber` pins by default. */
  lastChamber: string | null = null;

  async openChamber(id: string): Promise<Tab<ChamberView>> {
    const tab = await this._open(this._chambers, `chamber:${id}`, () => {
      const widget = new MainAreaWidget({ content: new ChamberView(id, this._services) });
      widget.title.label = 'Chamber';
      return widget;
    });
    this.lastChamber = id;
    return tab;
  }

  /** The open view of a chamber, if any (to refresh it after a write). */
  chamberView(id: string): ChamberView | null {
    return this._chambers.find(w => w.content.chamberId === id)?.content ?? null;
  }

  openDebates(): Promise<Tab<DebatesView>> {
    return this._open(this._debateLists, 'debates', () => new MainAreaWidget({ content: new DebatesView(this._services) }));
  }

  openDebate(id: string): Promise<Tab<DebateView>> {
    return this._open(this._debates, `debate:${id}`, () => new MainAreaWidget({ content: new DebateView(id, this._services) }));
  }

  /** The open tab of `key` (focused), or a new one once its view is shown. */
  private async _open<T extends View>(
    tracker: WidgetTracker<Tab<T>>,
    key: string,
    create: () => Tab<T>
  ): Promise<Tab<T>> {
    const open = tracker.find(w => this._key(w) === key);
    if (open) {
      this._app.shell.activateById(open.id);
      await open.content.ready;
      return open;
    }
    const widget = create();
    widget.id = `jupyter-artifacts-view-${++counter}`;
    widget.title.closable = true;
    widget.addClass('jp-Artifacts-tab');
    this._keys.set(widget, key);
    void tracker.add(widget);
    this._app.shell.add(widget, 'main');
    this._app.shell.activateById(widget.id);
    try {
      await widget.content.ready;
      const failure = await failureShown(widget.content);
      if (failure !== null) {
        throw new Error(failure);
      }
    } catch (error) {
      widget.dispose();
      throw error;
    }
    return widget;
  }

  private _key(widget: Widget): string {
    return this._keys.get(widget) ?? '';
  }

  private _keys = new WeakMap<Widget, string>();
  private _histories = new WidgetTracker<Tab<HistoryView>>({ namespace: 'jupyter-artifacts-history' });
  private _diffs = new WidgetTracker<Tab<DiffView>>({ namespace: 'jupyter-artifacts-diff' });
  private _replayDiffs = new WidgetTracker<Tab<ReplayDiffView>>({ namespace: 'jupyter-artifacts-replay-diff' });
  private _merges = new WidgetTracker<Tab<MergeView>>({ namespace: 'jupyter-artifacts-merge' });
  private _lineages = new WidgetTracker<Tab<LineageView>>({ namespace: 'jupyter-artifacts-lineage' });
  private _chambers = new WidgetTracker<Tab<ChamberView>>({ namespace: 'jupyter-artifacts-chamber' });
  private _debateLists = new WidgetTracker<Tab<DebatesView>>({ namespace: 'jupyter-artifacts-debates' });
  private _debates = new WidgetTracker<Tab<DebateView>>({ namespace: 'jupyter-artifacts-debate' });
}
