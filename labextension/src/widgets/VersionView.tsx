/**
 * A read-only view of exactly one version (`open-version`): notebooks render as
 * notebooks (JupyterLab's own notebook widget and rendermime, outputs untrusted
 * as in JupyterLab), other types show their fields. Header: title, type,
 * lifecycle, tags, creator, the step that made it, the content hash (copyable),
 * and actions (diff with the parent, history, lineage, pull into a chamber,
 * download .ipynb). Server text is always rendered as text.
 */
import type * as nbformat from '@jupyterlab/nbformat';
import { NotebookModel, NotebookPanel, StaticNotebook } from '@jupyterlab/notebook';
import { ReactWidget } from '@jupyterlab/apputils';
import { Panel, Widget } from '@lumino/widgets';
import React from 'react';

import { getLineage, getVersion, LineageEdge, Version } from '../api';
import { ActorBadge } from '../components/Actor';
import { Hash } from '../components/Hash';
import { Tags } from '../components/Tags';
import { IChangeEvent } from '../events';
import { formatRef, IRef } from '../models';
import { describeError } from '../request';
import { CommandIDs } from '../tokens';
import { IViewServices, runIfAvailable } from './services';

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
          {v.created_at} by{' '}
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
      <div className="jp-Artifacts-actions">
        {action('Diff with parent', CommandIDs.openDiff,
          { id: v.artifact_id, from: v.version_number - 1, to: v.version_number }, v.version_number > 1)}
        {action('History', CommandIDs.showHistory, { id: v.artifact_id })}
        {action('Lineage', CommandIDs.openLineage, { ref })}
        {action('Pull into chamber', CommandIDs.pullIntoChamber, { ref, choose: true })}
        {action('Fork…', CommandIDs.forkArtifact, { ref, choose: true })}
        {isNotebook && action('Merge into…', CommandIDs.mergeNotebook, { id: forkedFrom(props.steps, v.artifact_id) ?? '', other: ref, choose: true })}
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

export class VersionView extends Panel {
  constructor(readonly target: IRef, private _services: IViewServices) {
    super();
    this.addClass('jp-Artifacts-view');
    this.addClass('jp-Artifacts-version-view');
    this._header.addClass('jp-Artifacts-header-widget');
    this.addWidget(this._header);
    _services.live.changed.connect(this._onChange, this);
    _services.live.resync.connect(() => void this.load(), this);
    this.ready = this.load(true);
  }

  /** Resolves once the version is shown (or its error is). */
  readonly ready: Promise<void>;

  /** The version shown (known once loaded). */
  get version(): Version | null {
    return this._version;
  }

  async load(first = false): Promise<void> {
    const { artifactId, version } = this.target;
    const ref = version === undefined ? artifactId : formatRef(artifactId, version);
    try {
      const v = await getVersion(ref);
      this._version = v;
      this.node.dataset.ref = formatRef(v.artifact_id, v.version_number);
      this._header.props = { version: v, steps: [], stepLoaded: false, services: this._services };
      this._header.error = null;
      this._header.update();
      if (first) {
        this._body = v.artifact_type === 'notebook' && v.content ? this._notebook(v) : this._fields(v);
        this.addWidget(this._body);
      }
      const lineage = await getLineage(formatRef(v.artifact_id, v.version_number), {
        direction: 'ancestors',
        max_depth: 1
      }).catch(() => null);
      const made = lineage?.edges.filter(e => e.target === formatRef(v.artifact_id, v.version_number)) ?? [];
      this._header.props = { version: v, steps: made, stepLoaded: true, services: this._services };
      this._header.update();
    } catch (error) {
      this._header.error = describeError(error);
      this._header.update();
    }
  }

  dispose(): void {
    this._services.live.changed.disconnect(this._onChange, this);
    super.dispose();
  }

  private _notebook(v: Version): Widget {
    const { rendermime, editorServices } = this._services;
    const notebook = new StaticNotebook({
      rendermime,
      contentFactory: new NotebookPanel.ContentFactory({
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
    model.fromJSON(v.content as nbformat.INotebookContent);
    notebook.model = model;
    notebook.addClass('jp-Artifacts-notebook');
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
}
