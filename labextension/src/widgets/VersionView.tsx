/**
 * A read-only view of exactly one version (`open-version`): notebooks render as
 * notebooks (JupyterLab's own notebook widget and rendermime, outputs untrusted
 * as in JupyterLab), other types show their fields. Header: title, type,
 * lifecycle, tags, creator, the step that made it, the content hash (copyable),
 * a notebook's latest replay verdict with its Replay button, and actions (diff
 * with the parent, history, lineage, pull into a chamber, open a copy in a new
 * notebook, download .ipynb). Server text is always
 * rendered as text. Read-only whatever the user types: cells are locked, the
 * model is the view's own, and no kernel is attached (nothing can run).
 */
import type * as nbformat from '@jupyterlab/nbformat';
import { ReactWidget } from '@jupyterlab/apputils';
import type { Cell, CodeCell, MarkdownCell, RawCell } from '@jupyterlab/cells';
import { NotebookModel, NotebookPanel, StaticNotebook } from '@jupyterlab/notebook';
import { ISignal, Signal } from '@lumino/signaling';
import { Panel, Widget } from '@lumino/widgets';
import React from 'react';

import { getLineage, getVersion, LineageEdge, Version } from '../api';
import { ActorBadge } from '../components/Actor';
import { Hash } from '../components/Hash';
import { ReplayControls } from '../components/ReplayBadge';
import { Tags } from '../components/Tags';
import { IChangeEvent } from '../events';
import { formatRef, IRef } from '../models';
import { describeError } from '../request';
import { CommandIDs } from '../tokens';
import { IViewServices, runIfAvailable } from './services';
import { When } from '../components/RelativeTime';

function Json(props: { value: unknown }): JSX.Element {
  return <pre className="jp-Artifacts-json">{JSON.stringify(props.value, null, 2)}</pre>;
}

/** The step(s) that made a version: a merge has two, one from each parent. */
function StepLine(props: { steps: LineageEdge[]; loaded: boolean }): JSX.Element {
  const step = props.steps[0];
  if (!props.loaded) {
    return <span className="jp-Artifacts-muted">…</span>;
  }
  if (step === undefined) {
    return <span className="jp-Artifacts-muted">none recorded (a first version)</span>;
  }
  const rationale = typeof step.parameters?.rationale === 'string' ? step.parameters.rationale : '';
  return (
    <span className="jp-Artifacts-step" data-step-id={step.id} data-step-type={step.step_type}>
      <span className="jp-Artifacts-step-type">{step.step_type}</span>
      {step.method && <span className="jp-Artifacts-step-method">{step.method}</span>}
      <span className="jp-Artifacts-step-sources">from {props.steps.filter(s => s.step_type === step.step_type).map(s => s.source).join(' + ')}</span>
      <ActorBadge actorType={step.actor_type} actorId={step.actor_id} recordedBy={step.recorded_by} />
      {rationale && <span className="jp-Artifacts-step-rationale">“{rationale}”</span>}
    </span>
  );
}

interface IHeaderProps {
  version: Version;
  steps: LineageEdge[];
  stepLoaded: boolean;
  services: IViewServices;
}

function Header(props: IHeaderProps): JSX.Element {
  const { version: v, services } = props;
  const { commands } = services;
  const ref = formatRef(v.artifact_id, v.version_number);
  const isNotebook = v.artifact_type === 'notebook';
  const action = (label: string, id: string, args: Record<string, unknown>, enabled = true) => (
    <button
      type="button"
      className="jp-Button jp-mod-styled jp-Artifacts-action"
      data-command={id}
      disabled={!enabled || !commands.hasCommand(id)}
      onClick={() => runIfAvailable(commands, id, args)}
    >
      {label}
    </button>
  );
  return (
    <div className="jp-Artifacts-view-header">
      <h2 className="jp-Artifacts-view-title">{v.title}</h2>
      <div className="jp-Artifacts-view-meta">
        <span className="jp-Artifacts-ref" data-ref={ref}>
          {ref}
        </span>
        <span className="jp-Artifacts-type">{v.artifact_type}</span>
        {v.is_latest ? (
          <span className="jp-Artifacts-badge">latest</span>
        ) : (
          <span className="jp-Artifacts-badge jp-mod-older">not the latest</span>
        )}
        <span className={`jp-Artifacts-lifecycle jp-mod-${v.lifecycle_state ?? 'unknown'}`}>
          {v.lifecycle_state ?? 'unknown lifecycle'}
        </span>
        <Tags tags={v.tags ?? []} />
      </div>
      <dl className="jp-Artifacts-fields">
        <dt>Created</dt>
        <dd>
          <When iso={v.created_at} /> by{' '}
          <ActorBadge
            actorType={v.created_by.actor_type}
            actorId={v.created_by.actor_id}
            recordedBy={v.created_by.recorded_by}
          />
        </dd>
        <dt>Made by</dt>
        <dd>
          <StepLine steps={props.steps} loaded={props.stepLoaded} />
        </dd>
        <dt>Content hash</dt>
        <dd>
          <Hash value={v.content_hash} label="content hash" />
        </dd>
        {isNotebook && (
          <>
            <dt>Replay</dt>
            <dd>
              <ReplayControls key={ref} artifactId={v.artifact_id} versionNumber={v.version_number} services={services} />
            </dd>
          </>
        )}
        {v.changelog && (
          <>
            <dt>Changelog</dt>
            <dd>{v.changelog}</dd>
          </>
        )}
        {v.superseded_by && (
          <>
            <dt>Superseded by</dt>
            <dd>{v.superseded_by}</dd>
          </>
        )}
      </dl>
      {isNotebook && (
        <p className="jp-Artifacts-readonly-note">
          Read-only: the stored version, as it was recorded. To change it, open a copy in a new notebook.
        </p>
      )}
      <div className="jp-Artifacts-actions">
        {action('Diff with parent', CommandIDs.openDiff,
          { id: v.artifact_id, from: v.version_number - 1, to: v.version_number }, v.version_number > 1)}
        {action('History', CommandIDs.showHistory, { id: v.artifact_id })}
        {action('Lineage', CommandIDs.openLineage, { ref })}
        {action('Pull into chamber', CommandIDs.pullIntoChamber, { ref, choose: true })}
        {action('Fork…', CommandIDs.forkArtifact, { ref, choose: true })}
        {isNotebook && action('Merge into…', CommandIDs.mergeNotebook, { id: forkedFrom(props.steps, v.artifact_id) ?? '', other: ref, choose: true })}
        {isNotebook && action('Open a copy in a new notebook', CommandIDs.openCopy, { ref })}
        {isNotebook && action('Download .ipynb', CommandIDs.downloadVersion, { ref })}
        {v.artifact_type === 'persona' && action('Open workspace', CommandIDs.openPersonaWorkspace, { id: v.artifact_id })}
      </div>
    </div>
  );
}

/** The artifact a fork's version 1 came from (where merging it back goes), if that made it. */
function forkedFrom(steps: LineageEdge[], artifactId: string): string | null {
  const fork = steps.find(s => s.step_type === 'fork' && !s.source.startsWith(`${artifactId}@`));
  return fork ? fork.source.replace(/@v[0-9]+$/, '') : null;
}

function Fields(props: { version: Version }): JSX.Element {
  const v = props.version;
  return (
    <div className="jp-Artifacts-content">
      <h3>Content</h3>
      {v.content === null || v.content === undefined ? (
        <p className="jp-Artifacts-muted">No content (or unknown: an adopted legacy version).</p>
      ) : typeof v.content === 'string' ? (
        <pre className="jp-Artifacts-text">{v.content}</pre>
      ) : (
        <Json value={v.content} />
      )}
      <h3>Metadata</h3>
      <Json value={v.metadata ?? {}} />
    </div>
  );
}

/** The header as a Lumino widget that re-renders when its props change. */
class HeaderWidget extends ReactWidget {
  props: IHeaderProps | null = null;
  error: string | null = null;

  protected render(): JSX.Element {
    if (this.error !== null) {
      return <div className="jp-Artifacts-error" role="alert">{this.error}</div>;
    }
    if (this.props === null) {
      return <div className="jp-Artifacts-loading">Loading…</div>;
    }
    return <Header {...this.props} />;
  }
}

/** Cells that stay read-only whatever their metadata or the notebook's update cycle says. */
class ReadOnlyCells extends NotebookPanel.ContentFactory {
  createCodeCell(options: CodeCell.IOptions): CodeCell {
    return lock(super.createCodeCell(options));
  }
  createMarkdownCell(options: MarkdownCell.IOptions): MarkdownCell {
    return lock(super.createMarkdownCell(options));
  }
  createRawCell(options: RawCell.IOptions): RawCell {
    return lock(super.createRawCell(options));
  }
}

/**
 * A cell's editor takes `Cell.readOnly` on every update (so an editor config's
 * `readOnly` alone is undone); not syncing `editable` keeps the metadata from
 * turning it back.
 */
function lock<T extends Cell>(cell: T): T {
  cell.syncEditable = false;
  cell.readOnly = true;
  return cell;
}

function refOf(target: IRef): string {
  return target.version === undefined ? target.artifactId : formatRef(target.artifactId, target.version);
}

export class VersionView extends Panel {
  constructor(target: IRef, private _services: IViewServices) {
    super();
    this.addClass('jp-Artifacts-view');
    this.addClass('jp-Artifacts-version-view');
    this._header.addClass('jp-Artifacts-header-widget');
    this.addWidget(this._header);
    this._target = target;
    _services.live.changed.connect(this._onChange, this);
    _services.live.resync.connect(() => void this.load(), this);
    this.ready = this.showVersion(target);
  }

  /** Resolves once the first version is shown; rejects when it cannot be (the tab is then closed). */
  readonly ready: Promise<void>;

  /** The version asked for (a bare id: the latest). */
  get target(): IRef {
    return this._target;
  }

  /** The version shown (known once loaded). */
  get version(): Version | null {
    return this._version;
  }

  /** Emitted with each version shown (the preview tab moves from one to the next). */
  get shown(): ISignal<this, Version> {
    return this._shown;
  }

  /**
   * Show `target` here. It is fetched first: a failure rejects and leaves what
   * was shown as it was; of two overlapping calls the later one wins.
   */
  async showVersion(target: IRef): Promise<void> {
    const call = ++this._calls;
    const v = await getVersion(refOf(target));
    if (call !== this._calls || this.isDisposed) {
      return;
    }
    this._target = target;
    this._version = v;
    this.node.dataset.ref = formatRef(v.artifact_id, v.version_number);
    this._body?.dispose();
    this._body = v.artifact_type === 'notebook' && v.content ? this._notebook(v) : this._fields(v);
    this.addWidget(this._body);
    this._showHeader(v, []);
    this._shown.emit(v);
    void this._loadSteps(v, call);
  }

  /** Re-read the version's tags and lifecycle (the content never changes). */
  async load(): Promise<void> {
    const call = this._calls;
    try {
      const v = await getVersion(refOf(this._target));
      if (call === this._calls && !this.isDisposed) {
        this._version = v;
        this._showHeader(v, this._header.props?.steps ?? []);
        void this._loadSteps(v, call);
      }
    } catch (error) {
      this._header.error = describeError(error);
      this._header.update();
    }
  }

  dispose(): void {
    this._services.live.changed.disconnect(this._onChange, this);
    super.dispose();
  }

  private _showHeader(v: Version, steps: LineageEdge[], stepLoaded = false): void {
    this._header.props = { version: v, steps, stepLoaded, services: this._services };
    this._header.error = null;
    this._header.update();
  }

  private async _loadSteps(v: Version, call: number): Promise<void> {
    const ref = formatRef(v.artifact_id, v.version_number);
    const lineage = await getLineage(ref, { direction: 'ancestors', max_depth: 1 }).catch(() => null);
    if (call === this._calls && !this.isDisposed) {
      this._showHeader(v, lineage?.edges.filter(e => e.target === ref) ?? [], true);
    }
  }

  /**
   * The notebook, on a model of its own built from a copy of the reply (nothing
   * shared with another view or a cache), every cell locked read-only, and no
   * session: there is no kernel to run anything on.
   */
  private _notebook(v: Version): Widget {
    const { rendermime, editorServices } = this._services;
    const notebook = new StaticNotebook({
      rendermime,
      contentFactory: new ReadOnlyCells({
        editorFactory: editorServices.factoryService.newInlineEditor
      }),
      mimeTypeService: editorServices.mimeTypeService,
      editorConfig: {
        code: { readOnly: true },
        markdown: { readOnly: true },
        raw: { readOnly: true }
      }
    });
    const model = new NotebookModel();
    // Cells are untrusted (no `trusted` metadata): outputs render as JupyterLab
    // renders an untrusted notebook's, sanitized and without scripts.
    model.fromJSON(JSON.parse(JSON.stringify(v.content)) as nbformat.INotebookContent);
    model.readOnly = true;
    notebook.model = model;
    notebook.addClass('jp-Artifacts-notebook');
    // JupyterLab's cell context menu (run, cut, delete…) acts on the active
    // notebook, not on this view: the browser's own menu (copy) shows instead.
    notebook.node.addEventListener('contextmenu', event => event.stopPropagation());
    notebook.disposed.connect(() => model.dispose());
    return notebook;
  }

  private _fields(v: Version): Widget {
    const widget = ReactWidget.create(<Fields version={v} />);
    widget.addClass('jp-Artifacts-fields-widget');
    return widget;
  }

  /** Tags and the lifecycle may change; the version itself never does. */
  private _onChange(_: unknown, event: IChangeEvent): void {
    const v = this._version;
    if (v && event.artifact_id === v.artifact_id && ['tag', 'lifecycle', 'version'].includes(event.kind)) {
      void this.load();
    }
  }

  private _header = new HeaderWidget();
  private _body: Widget | null = null;
  private _version: Version | null = null;
  private _target: IRef;
  private _calls = 0;
  private _shown = new Signal<this, Version>(this);
}
