/**
 * The "Save as new version" dialog (`commit-notebook` without arguments): nbdime's diff
 * of the notebook as it is now against the version its metadata names (the server's
 * `POST .../diff`, exactly as the commit will record it), then the method (default
 * `manual-edit`) and a rationale.
 */
import { Dialog, ReactWidget, showDialog } from '@jupyterlab/apputils';
import { Panel, Widget } from '@lumino/widgets';
import { NotebookDiffModel } from 'nbdime/lib/diff/model';
import { NotebookDiffWidget } from 'nbdime/lib/diff/widget';
import React from 'react';

import type { NotebookDiff } from '../api';
import { collapseUnchanged } from '../collapse';
import { describeError } from '../request';
import { IViewServices } from './services';

export interface ICommitChoices {
  method: string;
  rationale: string;
}

export interface ICommitDialogOptions {
  diff: NotebookDiff;
  /** The version the edit was made from, `NB-12@v3`. */
  baseRef: string;
  /** The version the commit will make, `NB-12@v4`. */
  targetRef: string;
  /** The head when it is newer than the base (the commit will offer a merge). */
  newerHead: number | null;
  initial: ICommitChoices;
  services: IViewServices;
}

function cellList(indices: number[]): string {
  return indices.length ? ` (cell${indices.length === 1 ? '' : 's'} ${indices.map(i => i + 1).join(', ')})` : '';
}

function Top(props: { o: ICommitDialogOptions; onChange: (c: ICommitChoices) => void; hidden: number }): JSX.Element {
  const { o } = props;
  const s = o.diff.summary;
  const [c, setC] = React.useState(o.initial);
  const set = (patch: Partial<ICommitChoices>) => {
    const next = { ...c, ...patch };
    setC(next);
    props.onChange(next);
  };
  return (
    <div className="jp-Artifacts-commit-top">
      <p className="jp-Artifacts-commit-what">
        The notebook as it is now, against <code>{o.baseRef}</code> (the version it was made from):
      </p>
      <div className="jp-Artifacts-diff-summary jp-Artifacts-commit-summary" data-added={s.added.length}
        data-removed={s.removed.length} data-modified={s.modified.length}>
        <span className="jp-Artifacts-diff-added">{s.added.length} added{cellList(s.added)}</span>
        <span className="jp-Artifacts-diff-removed">{s.removed.length} removed{cellList(s.removed)}</span>
        <span className="jp-Artifacts-diff-modified">{s.modified.length} modified{cellList(s.modified)}</span>
        <span>{s.unchanged_count} unchanged{props.hidden ? ` (${props.hidden} not shown)` : ''}</span>
      </div>
      {o.newerHead !== null && (
        <div className="jp-Artifacts-warning" role="note">
          {`A newer version exists (v${o.newerHead}). Saving will offer to merge it into your edits first.`}
        </div>
      )}
      <form className="jp-Artifacts-commit-form" onSubmit={e => e.preventDefault()}>
        <label>
          Method
          <input className="jp-mod-styled jp-Artifacts-commit-method" value={c.method}
            placeholder="manual-edit" onChange={e => set({ method: e.target.value })} />
        </label>
        <label>
          Rationale
          <textarea className="jp-mod-styled jp-Artifacts-commit-rationale" rows={2} value={c.rationale}
            placeholder="Why the notebook was changed" onChange={e => set({ rationale: e.target.value })} />
        </label>
      </form>
    </div>
  );
}

class CommitBody extends Panel implements Dialog.IBodyWidget<ICommitChoices> {
  constructor(o: ICommitDialogOptions) {
    super();
    this.addClass('jp-Artifacts-commit-dialog');
    this._choices = o.initial;
    const shown = collapseUnchanged(o.diff.base, o.diff.diff);
    this.addWidget(ReactWidget.create(<Top o={o} hidden={shown.hidden} onChange={c => (this._choices = c)} />));
    const root = new Panel();
    root.addClass('nbdime-root');
    root.addClass('jp-Artifacts-nbdime');
    root.addClass('jp-Artifacts-commit-diff');
    const widget = new NotebookDiffWidget({
      model: new NotebookDiffModel(shown.base, shown.diff as any),
      rendermime: o.services.rendermime,
      editorFactory: o.services.editorServices.factoryService.newInlineEditor
    });
    root.addWidget(widget as unknown as Widget);
    this.addWidget(root);
    this.node.dataset.ready = 'rendering';
    widget.init().then(
      () => (this.node.dataset.ready = 'true'),
      error => {
        this.node.dataset.ready = 'error';
        const note = new Widget();
        note.addClass('jp-Artifacts-error');
        note.node.textContent = `nbdime could not render this diff: ${describeError(error)}`;
        root.addWidget(note);
      }
    );
  }

  getValue(): ICommitChoices {
    return this._choices;
  }

  private _choices: ICommitChoices;
}

/** Ask for the commit's method and rationale, showing the diff; null when cancelled. */
export async function askCommit(o: ICommitDialogOptions): Promise<{ method?: string; rationale?: string } | null> {
  const result = await showDialog({
    title: `Save as a new version: ${o.targetRef}`,
    body: new CommitBody(o),
    buttons: [Dialog.cancelButton(), Dialog.okButton({ label: `Save as ${o.targetRef}` })],
    focusNodeSelector: '.jp-Artifacts-commit-rationale'
  });
  if (!result.button.accept || result.value === null) {
    return null;
  }
  return {
    method: result.value.method.trim() || undefined,
    rationale: result.value.rationale.trim() || undefined
  };
}
