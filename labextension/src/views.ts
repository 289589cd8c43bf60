/**
 * Opening the main-area views (version, history, diff): one tab per thing
 * shown, reused when it is already open, restored with the layout.
 */
import { ILayoutRestorer, JupyterFrontEnd } from '@jupyterlab/application';
import { MainAreaWidget, WidgetTracker } from '@jupyterlab/apputils';
import type * as nbformat from '@jupyterlab/nbformat';
import { Widget } from '@lumino/widgets';

import { formatRef, IRef } from './models';
import { CommandIDs } from './tokens';
import { ChamberView } from './widgets/ChamberView';
import { DebatesView } from './widgets/DebatesView';
import { DebateView } from './widgets/DebateView';
import { DiffView } from './widgets/DiffView';
import { HistoryView } from './widgets/HistoryView';
import { ILineageOptions, LineageView } from './widgets/LineageView';
import { IMergeSpec, MergeView } from './widgets/MergeView';
import { IViewServices } from './widgets/services';
import { VersionView } from './widgets/VersionView';

type Tab<T extends Widget> = MainAreaWidget<T>;

let counter = 0;

export class Views {
  constructor(
    private _app: JupyterFrontEnd,
    private _services: IViewServices,
    restorer: ILayoutRestorer | null
  ) {
    if (restorer) {
      void restorer.restore(this._versions, {
        command: CommandIDs.openVersion,
        args: w => ({ ref: w.content.node.dataset.ref ?? this._key(w) }),
        name: w => this._key(w)
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

  /** Exactly the version named (a bare id: the latest). */
  async openVersion(target: IRef): Promise<Tab<VersionView>> {
    const key = target.version === undefined ? target.artifactId : formatRef(target.artifactId, target.version);
    const tab = this._reuse(this._versions, `version:${key}`, () => {
      const view = new VersionView(target, this._services);
      const widget = new MainAreaWidget({ content: view });
      widget.title.label = key;
      view.ready.then(() => {
        if (view.version) {
          widget.title.label = formatRef(view.version.artifact_id, view.version.version_number);
          widget.title.caption = `${widget.title.label}: ${view.version.title}`;
        }
      });
      return widget;
    });
    await tab.content.ready;
    return tab;
  }

  async openHistory(artifactId: string): Promise<Tab<HistoryView>> {
    const tab = this._reuse(this._histories, `history:${artifactId}`, () => {
      const widget = new MainAreaWidget({ content: new HistoryView(artifactId, this._services) });
      widget.title.label = `History ${artifactId}`;
      return widget;
    });
    await tab.content.ready;
    return tab;
  }

  async openDiff(artifactId: string, from?: number, to?: number): Promise<Tab<DiffView>> {
    const key = `diff:${artifactId}:${from ?? ''}:${to ?? ''}`;
    const tab = this._reuse(this._diffs, key, () => {
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
    await tab.content.ready;
    return tab;
  }

  /**
   * The diff of an unsaved copy (a working copy) against version `from` of its notebook;
   * one tab per copy (`key`), loaded afresh each time.
   */
  async openCopyDiff(artifactId: string, from: number, copy: nbformat.INotebookContent, key: string): Promise<Tab<DiffView>> {
    this._diffs.find(w => this._key(w) === `copy:${key}`)?.dispose();
    const tab = this._reuse(this._diffs, `copy:${key}`, () => {
      const view = new DiffView(artifactId, from, undefined, this._services, copy);
      const widget = new MainAreaWidget({ content: view });
      widget.title.label = `${artifactId} v${from} → working copy`;
      widget.title.caption = `${key}: the changes since ${formatRef(artifactId, from)}, not saved as a version`;
      return widget;
    });
    await tab.content.ready;
    return tab;
  }

  /** A conflicted merge (`Merge X ← Y`); an open one for the same pair is replaced. */
  async openMerge(spec: IMergeSpec): Promise<Tab<MergeView>> {
    this._merges.find(w => this._key(w) === `merge:${spec.title}`)?.dispose();
    const tab = this._reuse(this._merges, `merge:${spec.title}`, () => {
      const widget = new MainAreaWidget({ content: new MergeView(spec, this._services) });
      widget.title.label = spec.title;
      return widget;
    });
    await tab.content.ready;
    return tab;
  }

  /** What the views are built with (for dialogs that show nbdime's widgets). */
  get services(): IViewServices {
    return this._services;
  }

  /** The lineage DAG of a version (a bare id: every version of the artifact). */
  async openLineage(ref: string, options: ILineageOptions): Promise<Tab<LineageView>> {
    const key = `lineage:${ref}:${options.direction ?? 'both'}:${options.maxDepth ?? 5}`;
    const tab = this._reuse(this._lineages, key, () => {
      const view = new LineageView(ref, options, this._services);
      const widget = new MainAreaWidget({ content: view });
      widget.title.label = view.label;
      return widget;
    });
    await tab.content.ready;
    return tab;
  }

  /** The chamber last opened (or created) here: where `pull-into-chamber` pins by default. */
  lastChamber: string | null = null;

  async openChamber(id: string): Promise<Tab<ChamberView>> {
    const tab = this._reuse(this._chambers, `chamber:${id}`, () => {
      const widget = new MainAreaWidget({ content: new ChamberView(id, this._services) });
      widget.title.label = 'Chamber';
      return widget;
    });
    this.lastChamber = id;
    await tab.content.ready;
    return tab;
  }

  /** The open view of a chamber, if any (to refresh it after a write). */
  chamberView(id: string): ChamberView | null {
    return this._chambers.find(w => w.content.chamberId === id)?.content ?? null;
  }

  async openDebates(): Promise<Tab<DebatesView>> {
    const tab = this._reuse(this._debateLists, 'debates', () => new MainAreaWidget({ content: new DebatesView(this._services) }));
    await tab.content.ready;
    return tab;
  }

  async openDebate(id: string): Promise<Tab<DebateView>> {
    const tab = this._reuse(this._debates, `debate:${id}`, () => new MainAreaWidget({ content: new DebateView(id, this._services) }));
    await tab.content.ready;
    return tab;
  }

  private _reuse<T extends Widget>(
    tracker: WidgetTracker<Tab<T>>,
    key: string,
    create: () => Tab<T>
  ): Tab<T> {
    const open = tracker.find(w => this._key(w) === key);
    if (open) {
      this._app.shell.activateById(open.id);
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
    return widget;
  }

  private _key(widget: Widget): string {
    return this._keys.get(widget) ?? '';
  }

  private _keys = new WeakMap<Widget, string>();
  private _versions = new WidgetTracker<Tab<VersionView>>({ namespace: 'jupyter-artifacts-version' });
  private _histories = new WidgetTracker<Tab<HistoryView>>({ namespace: 'jupyter-artifacts-history' });
  private _diffs = new WidgetTracker<Tab<DiffView>>({ namespace: 'jupyter-artifacts-diff' });
  private _merges = new WidgetTracker<Tab<MergeView>>({ namespace: 'jupyter-artifacts-merge' });
  private _lineages = new WidgetTracker<Tab<LineageView>>({ namespace: 'jupyter-artifacts-lineage' });
  private _chambers = new WidgetTracker<Tab<ChamberView>>({ namespace: 'jupyter-artifacts-chamber' });
  private _debateLists = new WidgetTracker<Tab<DebatesView>>({ namespace: 'jupyter-artifacts-debates' });
  private _debates = new WidgetTracker<Tab<DebateView>>({ namespace: 'jupyter-artifacts-debate' });
}
