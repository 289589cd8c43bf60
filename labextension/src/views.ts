/**
 * Opening the main-area views (version, history, diff): one tab per thing
 * shown, reused when it is already open, restored with the layout.
 */
import { ILayoutRestorer, JupyterFrontEnd } from '@jupyterlab/application';
import { MainAreaWidget, WidgetTracker } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

import { formatRef, IRef } from './models';
import { CommandIDs } from './tokens';
import { DiffView } from './widgets/DiffView';
import { HistoryView } from './widgets/HistoryView';
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
}
