/**
 * The body of the append-cell dialog: method, parameters (JSON, checked as
 * typed), rationale, execute on/off, optional chamber.
 */
import { Dialog, ReactWidget, showDialog } from '@jupyterlab/apputils';
import React, { useEffect, useState } from 'react';

import { ChamberSummary, listChambers } from '../api';
import { parseParameters } from '../models';

export interface IAppendChoices {
  method: string;
  parametersText: string;
  rationale: string;
  execute: boolean;
  chamberId: string;
}

export interface IAppendValues {
  method?: string;
  parameters: Record<string, unknown>;
  rationale?: string;
  execute: boolean;
  chamberId?: string;
}

/** Which cell the dialog sends, and what the head version already holds of it. */
export interface IAppendCell {
  /** 0-based index in the notebook. */
  index: number;
  cellType: string;
  /** The first non-empty line of its source. */
  firstLine: string;
  /** The cell is already in the version with other source: appending copies it. */
  editedIn: string | null;
  /** The cell is already in the version as it is. */
  unchangedIn: string | null;
}

function CellLine(props: { cell: IAppendCell }): JSX.Element {
  const c = props.cell;
  return (
    <div className="jp-Artifacts-append-cell">
      <div>
        Sends cell {c.index + 1} ({c.cellType}):{' '}
        {c.firstLine ? <code className="jp-Artifacts-append-first-line">{c.firstLine}</code>
          : <span className="jp-Artifacts-muted">(empty)</span>}
      </div>
      {c.editedIn && (
        <div className="jp-Artifacts-warning jp-Artifacts-append-edited" role="alert">
          {`This cell is already in ${c.editedIn}, with other source: appending adds a second copy at the end. ` +
            'To record the edit, commit it instead (Save as new version).'}
        </div>
      )}
      {!c.editedIn && c.unchangedIn && (
        <div className="jp-Artifacts-warning jp-Artifacts-append-unchanged" role="note">
          {`This cell is already in ${c.unchangedIn} as it is: appending adds a copy of it at the end.`}
        </div>
      )}
    </div>
  );
}

function Form(props: {
  initial: IAppendChoices;
  error: string | null;
  cell: IAppendCell;
  onChange: (choices: IAppendChoices) => void;
}): JSX.Element {
  const [c, setC] = useState(props.initial);
  const [chambers, setChambers] = useState<ChamberSummary[] | null>(null);
  useEffect(() => {
    listChambers({ status: 'open', limit: 200 }).then(
      page => setChambers(page.items),
      () => setChambers([])
    );
  }, []);
  const set = (patch: Partial<IAppendChoices>) => {
    const next = { ...c, ...patch };
    setC(next);
    props.onChange(next);
  };
  const canExecute = props.cell.cellType === 'code';
  return (
    <form className="jp-Artifacts-append-form" onSubmit={e => e.preventDefault()}>
      <CellLine cell={props.cell} />
      {props.error && (
        <div className="jp-Artifacts-error" role="alert">
          {props.error}
        </div>
      )}
      <label>
        Method
        <input
          className="jp-mod-styled jp-Artifacts-append-method"
          value={c.method}
          placeholder="e.g. differential-expression"
          onChange={e => set({ method: e.target.value })}
        />
      </label>
      <label>
        Parameters (a JSON object)
        <textarea
          className="jp-mod-styled jp-Artifacts-append-parameters"
          rows={3}
          value={c.parametersText}
          placeholder='{"contrast": "AD vs control", "fdr": 0.05}'
          onChange={e => set({ parametersText: e.target.value })}
        />
      </label>
      <label>
        Rationale
        <textarea
          className="jp-mod-styled jp-Artifacts-append-rationale"
          rows={2}
          value={c.rationale}
          placeholder="Why this cell is being added"
          onChange={e => set({ rationale: e.target.value })}
        />
      </label>
      <label className="jp-Artifacts-append-execute-label">
        <input
          type="checkbox"
          className="jp-Artifacts-append-execute"
          checked={c.execute && canExecute}
          disabled={!canExecute}
          onChange={e => set({ execute: e.target.checked })}
        />
        Execute in a fresh kernel {canExecute ? '' : '(only code cells run)'}
      </label>
      <label>
        Chamber (optional)
        <select
          className="jp-mod-styled jp-Artifacts-append-chamber"
          value={c.chamberId}
          onChange={e => set({ chamberId: e.target.value })}
        >
          <option value="">No chamber</option>
          {(chambers ?? []).map(ch => (
            <option key={ch.id} value={ch.id}>
              {`${ch.name} (${ch.purpose})`}
            </option>
          ))}
        </select>
      </label>
    </form>
  );
}

class FormWidget extends ReactWidget implements Dialog.IBodyWidget<IAppendChoices> {
  constructor(private _choices: IAppendChoices, private _error: string | null, private _cell: IAppendCell) {
    super();
    this.addClass('jp-Artifacts-append-dialog');
  }

  getValue(): IAppendChoices {
    return this._choices;
  }

  protected render(): JSX.Element {
    return (
      <Form
        initial={this._choices}
        error={this._error}
        cell={this._cell}
        onChange={c => (this._choices = c)}
      />
    );
  }
}

/**
 * Ask for the append's details; null when cancelled. Invalid parameters bring
 * the dialog back with the same values and a sentence saying what is wrong.
 */
export async function askAppend(
  target: string,
  cell: IAppendCell,
  initial: IAppendChoices
): Promise<IAppendValues | 'commit' | null> {
  const cellType = cell.cellType;
  let choices = initial;
  let error: string | null = null;
  for (;;) {
    const commit = Dialog.okButton({ label: 'Save as new version instead', actions: ['commit'], displayType: 'default' });
    const result = await showDialog({
      title: `Append this cell to ${target} as its next version`,
      body: new FormWidget(choices, error, cell),
      buttons: [Dialog.cancelButton(), ...(cell.editedIn ? [commit] : []), Dialog.okButton({ label: 'Append' })],
      // (Back with an error: the field that holds it, so the next keystrokes go there.)
      focusNodeSelector: error ? '.jp-Artifacts-append-parameters' : '.jp-Artifacts-append-method'
    });
    if (!result.button.accept || result.value === null) {
      return null;
    }
    if (result.button.actions.includes('commit')) {
      return 'commit';
    }
    choices = result.value;
    const parsed = parseParameters(choices.parametersText);
    if (!parsed.ok) {
      error = `The ${parsed.error}`;
      continue;
    }
    return {
      method: choices.method.trim() || undefined,
      parameters: parsed.value,
      rationale: choices.rationale.trim() || undefined,
      execute: choices.execute && cellType === 'code',
      chamberId: choices.chamberId || undefined
    };
  }
}
