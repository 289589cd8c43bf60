/**
 * The chamber dialogs: open one, and the confirmation of a close, with an
 * optional result artifact. (The pull dialog is PullDialog.tsx.)
 */
import { Dialog, ReactWidget, showDialog } from '@jupyterlab/apputils';
import React, { useState } from 'react';

import { Purpose, ResultArtifact } from '../api';

const PURPOSES: Purpose[] = [
  'experiment_design',
  'debate',
  'persona_workspace',
  'showcase_review'
];

/** A dialog body holding a value that its React form keeps current. */
class FormBody<T> extends ReactWidget implements Dialog.IBodyWidget<T> {
  constructor(
    private _value: T,
    private _render: (value: T, set: (v: T) => void) => JSX.Element
  ) {
    super();
    this.addClass('jp-Artifacts-dialog');
  }

  getValue(): T {
    return this._value;
  }

  protected render(): JSX.Element {
    const Form = () => {
      const [value, setValue] = useState(this._value);
      const set = (v: T) => {
        this._value = v;
        setValue(v);
      };
      return this._render(value, set);
    };
    return <Form />;
  }
}

async function ask<T>(
  title: string,
  accept: string,
  value: T,
  render: (v: T, set: (v: T) => void) => JSX.Element,
  warn = false
): Promise<T | null> {
  const result = await showDialog({
    title,
    body: new FormBody(value, render),
    buttons: [
      Dialog.cancelButton(),
      Dialog.okButton({ label: accept, displayType: warn ? 'warn' : 'default' })
    ],
    focusNodeSelector: 'input, select'
  });
  return result.button.accept ? result.value : null;
}

export async function askNewChamber(): Promise<{
  name: string;
  purpose: Purpose;
} | null> {
  for (let error = ''; ;) {
    const value = await ask(
      'Open a chamber',
      'Open',
      { name: '', purpose: PURPOSES[0], error },
      (v, set) => (
        <form
          className="jp-Artifacts-append-form"
          onSubmit={e => e.preventDefault()}
        >
          {v.error && (
            <div className="jp-Artifacts-error" role="alert">
              {v.error}
            </div>
          )}
          <label>
            Name
            <input
              className="jp-mod-styled jp-Artifacts-chamber-name"
              value={v.name}
              placeholder="e.g. TREM2 contrast design"
              onChange={e => set({ ...v, name: e.target.value })}
            />
          </label>
          <label>
            Purpose
            <select
              className="jp-mod-styled jp-Artifacts-chamber-purpose"
              value={v.purpose}
              onChange={e => set({ ...v, purpose: e.target.value as Purpose })}
            >
              {PURPOSES.map(p => (
                <option key={p} value={p}>
                  {p}
                </option>
              ))}
            </select>
          </label>
        </form>
      )
    );
    if (value === null) {
      return null;
    }
    if (value.name.trim()) {
      return { name: value.name.trim(), purpose: value.purpose };
    }
    error = 'A chamber needs a name.';
  }
}

/** The confirmation of a close; null when cancelled, otherwise the optional result. */
export async function confirmClose(
  name: string
): Promise<{ result?: ResultArtifact } | null> {
  const value = await ask(
    `Close the chamber "${name}"?`,
    'Close chamber',
    { withResult: false, title: '', type: 'finding', content: '' },
    (v, set) => (
      <form
        className="jp-Artifacts-append-form"
        onSubmit={e => e.preventDefault()}
      >
        <p>
          A closed chamber never changes: its pins are final and its provenance
          hash is taken now.
        </p>
        <label className="jp-Artifacts-append-execute-label">
          <input
            type="checkbox"
            className="jp-Artifacts-close-with-result"
            checked={v.withResult}
            onChange={e => set({ ...v, withResult: e.target.checked })}
          />
          Record a result artifact (pinned as workbench before the hash is
          taken)
        </label>
        {v.withResult && (
          <>
            <label>
              Result title
              <input
                className="jp-mod-styled jp-Artifacts-close-title"
                value={v.title}
                onChange={e => set({ ...v, title: e.target.value })}
              />
            </label>
            <label>
              Result type
              <input
                className="jp-mod-styled jp-Artifacts-close-type"
                value={v.type}
                onChange={e => set({ ...v, type: e.target.value })}
              />
            </label>
            <label>
              Result content (text)
              <textarea
                className="jp-mod-styled"
                rows={3}
                value={v.content}
                onChange={e => set({ ...v, content: e.target.value })}
              />
            </label>
          </>
        )}
      </form>
    ),
    true
  );
  if (value === null) {
    return null;
  }
  if (!value.withResult || !value.title.trim()) {
    return {};
  }
  return {
    result: {
      artifact_type: value.type.trim() || 'finding',
      title: value.title.trim(),
      content: value.content
    }
  };
}
