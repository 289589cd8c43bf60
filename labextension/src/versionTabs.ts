/**
 * The tabs of version views (shared/UI.md, "one tab that follows you"). A
 * single click on a chip, a history row or a lineage node opens its version
 * in the one *preview* tab (italic title), which the next single click reuses;
 * a double click, *Keep open*, or an open by command id pins a tab, and a
 * pinned tab is never reused. Each tab keeps its own back/forward history.
 * A version that cannot be shown leaves no tab: the open rejects (the command
 * says why, once) and a new tab is closed again, a preview keeps what it showed.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { MainAreaWidget, WidgetTracker } from '@jupyterlab/apputils';
import {
  caretLeftIcon,
  caretRightIcon,
  ToolbarButton
} from '@jupyterlab/ui-components';

import { formatRef, IRef } from './models';
import { BackForward } from './preview';
import { IViewServices } from './widgets/services';
import { VersionView } from './widgets/VersionView';

export type VersionTab = MainAreaWidget<VersionView>;

/** The class of a preview tab's title (italic, as in VS Code). */
export const PREVIEW_CLASS = 'jp-Artifacts-preview';

/** The class of every version tab (the selector of Alt+Left and Alt+Right). */
export const VERSION_TAB_CLASS = 'jp-Artifacts-version-tab';

/** `X@vN`, or `X` for the latest. */
export function refOf(target: IRef): string {
  return target.version === undefined
    ? target.artifactId
    : formatRef(target.artifactId, target.version);
}

interface ITabState {
  /** What the tab was asked to show (set as soon as asked, so a double click finds a tab still loading). */
  ref: string;
  /** Set once the first version is shown. */
  history: BackForward<IRef> | null;
  pending: Promise<void> | null;
  back: ToolbarButton;
  forward: ToolbarButton;
  keep: ToolbarButton;
}

let counter = 0;

export class VersionTabs {
  readonly tracker = new WidgetTracker<VersionTab>({
    namespace: 'jupyter-artifacts-version'
  });

  constructor(
    private _app: JupyterFrontEnd,
    private _services: IViewServices
  ) {}

  /** The version tab focused last, if any. */
  get current(): VersionTab | null {
    return this.tracker.currentWidget;
  }

  /** The preview tab, if one is open. */
  get preview(): VersionTab | null {
    return this._preview;
  }

  /** Exactly the version named (a bare id: the latest); `preview`: in the preview tab. */
  async open(target: IRef, preview = false): Promise<VersionTab> {
    const ref = refOf(target);
    const open = this.tracker.find(w => this._states.get(w)?.ref === ref);
    if (open) {
      if (!preview) {
        this.pin(open);
      }
      this._app.shell.activateById(open.id);
      await this._states.get(open)?.pending;
      return open;
    }
    if (preview && this._preview !== null) {
      const tab = this._preview;
      this._app.shell.activateById(tab.id);
      await this._go(tab, target, 'visit');
      return tab;
    }
    return this._create(target, preview);
  }

  /** Pin `tab` (default: the current one): it is no longer the preview tab. */
  pin(tab: VersionTab | null = this.current): void {
    if (tab !== null && tab === this._preview) {
      this._preview = null;
      tab.title.className = '';
      this._sync(tab);
    }
  }

  /** Show the version before (or after) this one in the tab's history. */
  async go(step: -1 | 1, tab: VersionTab | null = this.current): Promise<void> {
    const entry = tab ? this._states.get(tab)?.history?.peek(step) : null;
    if (tab && entry) {
      await this._go(tab, entry, step);
    }
  }

  private async _create(target: IRef, preview: boolean): Promise<VersionTab> {
    const view = new VersionView(target, this._services);
    const tab = new MainAreaWidget({ content: view });
    tab.id = `jupyter-artifacts-version-${++counter}`;
    tab.title.label = refOf(target);
    tab.title.closable = true;
    tab.addClass('jp-Artifacts-tab');
    tab.addClass(VERSION_TAB_CLASS);
    const state: ITabState = {
      ref: refOf(target),
      history: null,
      pending: view.ready,
      back: new ToolbarButton({
        icon: caretLeftIcon,
        className: 'jp-Artifacts-back',
        tooltip: 'Back: the version shown before in this tab (Alt+Left)',
        onClick: () => void this.go(-1, tab).catch(() => undefined)
      }),
      forward: new ToolbarButton({
        icon: caretRightIcon,
        className: 'jp-Artifacts-forward',
        tooltip: 'Forward (Alt+Right)',
        onClick: () => void this.go(1, tab).catch(() => undefined)
      }),
      keep: new ToolbarButton({
        label: 'Keep open',
        className: 'jp-Artifacts-keep-open',
        tooltip:
          'Pin this preview tab: the next version opened with a single click goes to another tab',
        onClick: () => this.pin(tab)
      })
    };
    tab.toolbar.addItem('back', state.back);
    tab.toolbar.addItem('forward', state.forward);
    tab.toolbar.addItem('keep-open', state.keep);
    this._states.set(tab, state);
    view.shown.connect(() => this._sync(tab));
    tab.disposed.connect(() => {
      if (this._preview === tab) {
        this._preview = null;
      }
    });
    if (preview) {
      this._preview = tab;
      tab.title.className = PREVIEW_CLASS;
    }
    this._sync(tab);
    void this.tracker.add(tab);
    this._app.shell.add(tab, 'main');
    this._app.shell.activateById(tab.id);
    try {
      await view.ready;
    } catch (error) {
      tab.dispose();
      throw error;
    } finally {
      state.pending = null;
    }
    state.history = new BackForward(this._shownRef(view) ?? target);
    this._sync(tab);
    return tab;
  }

  /** Show `target` in `tab`: a new visit, or a step back or forward. */
  private async _go(
    tab: VersionTab,
    target: IRef,
    how: 'visit' | -1 | 1
  ): Promise<void> {
    const state = this._states.get(tab)!;
    const before = state.ref;
    const ref = refOf(target);
    state.ref = ref;
    const shown = tab.content.showVersion(target);
    state.pending = shown;
    try {
      await shown;
    } catch (error) {
      if (state.ref === ref) {
        state.ref = before; // the tab still shows what it showed
      }
      throw error;
    } finally {
      if (state.pending === shown) {
        state.pending = null;
      }
    }
    if (how === 'visit') {
      state.history?.visit(this._shownRef(tab.content) ?? target);
    } else {
      state.history?.move(how);
    }
    this._sync(tab);
    void this.tracker.save(tab); // the layout restores what the tab shows now
  }

  /** The exact version a view shows (so that Back to "the latest" is the version seen then). */
  private _shownRef(view: VersionView): IRef | null {
    const v = view.version;
    return v ? { artifactId: v.artifact_id, version: v.version_number } : null;
  }

  /** Title, tooltip and buttons after a change. */
  private _sync(tab: VersionTab): void {
    const state = this._states.get(tab);
    const v = tab.content.version;
    const preview = tab === this._preview;
    if (v) {
      tab.title.label = formatRef(v.artifact_id, v.version_number);
      tab.title.caption =
        `${tab.title.label}: ${v.title}` +
        (preview
          ? ' (preview: the next version opened with a single click replaces it; double-click or Keep open to pin)'
          : '');
    }
    tab.node.dataset.preview = String(preview);
    if (state) {
      state.back.enabled = state.history?.canGoBack ?? false;
      state.forward.enabled = state.history?.canGoForward ?? false;
      state.keep.setHidden(!preview);
    }
  }

  private _preview: VersionTab | null = null;
  private _states = new WeakMap<VersionTab, ITabState>();
}
