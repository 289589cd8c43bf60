/**
 * The small forms of fork, merge and split when run from a menu, a button or the
 * palette: a few text fields, the required ones checked, asked again with a sentence
 * when one is missing. Values are text; nothing here is ever rendered as markup.
 */
import { Dialog, ReactWidget, showDialog } from '@jupyterlab/apputils';
import React, { useState } from 'react';

export interface IField {
  name: string;
  label: string;
  value?: string;
  placeholder?: string;
  required?: boolean;
  /** A multi-line field. */
  long?: boolean;
}

type Values = Record<string, string>;

function Form(props: { fields: IField[]; initial: Values; note?: string; warning?: string; error: string | null;
  onChange: (v: Values) => void }): JSX.Element {
  const [values, setValues] = useState(props.initial);
  const set = (name: string, value: string) => {
    const next = { ...values, [name]: value };
    setValues(next);
    props.onChange(next);
  };
  return (
    <form className="jp-Artifacts-branch-form" onSubmit={e => e.preventDefault()}>
      {props.note && <p className="jp-Artifacts-branch-note">{props.note}</p>}
      {props.warning && <div className="jp-Artifacts-warning" role="note">{props.warning}</div>}
      {props.error && <div className="jp-Artifacts-error" role="alert">{props.error}</div>}
      {props.fields.map(f => (
        <label key={f.name}>
          {f.label}
          {f.long ? (
            <textarea className={`jp-mod-styled jp-Artifacts-field-${f.name}`} rows={2} value={values[f.name] ?? ''}
              placeholder={f.placeholder} onChange={e => set(f.name, e.target.value)} />
          ) : (
            <input className={`jp-mod-styled jp-Artifacts-field-${f.name}`} value={values[f.name] ?? ''}
              placeholder={f.placeholder} onChange={e => set(f.name, e.target.value)} />
          )}
        </label>
      ))}
    </form>
  );
}

class FormBody extends ReactWidget implements Dialog.IBodyWidget<Values> {
  constructor(private _fields: IField[], private _values: Values, private _error: string | null,
    private _note?: string, private _warning?: string) {
    super();
    this.addClass('jp-Artifacts-branch-dialog');
  }
  getValue(): Values {
    return this._values;
  }
  protected render(): JSX.Element {
    return <Form fields={this._fields} initial={this._values} note={this._note} warning={this._warning}
      error={this._error} onChange={v => (this._values = v)} />;
  }
}

/** Ask for the fields' values (trimmed; empty optional ones left out); null when cancelled. */
export async function askFields(options: {
  title: string;
  fields: IField[];
  okLabel: string;
  note?: string;
  warning?: string;
}): Promise<Values | null> {
  let values: Values = {};
  for (const f of options.fields) {
    values[f.name] = f.value ?? '';
  }
  let error: string | null = null;
  for (;;) {
    const result = await showDialog({
      title: options.title,
      body: new FormBody(options.fields, values, error, options.note, options.warning),
      buttons: [Dialog.cancelButton(), Dialog.okButton({ label: options.okLabel })],
      focusNodeSelector: `.jp-Artifacts-field-${(options.fields.find(f => !f.value) ?? options.fields[0]).name}`
    });
    if (!result.button.accept || result.value === null) {
      return null;
    }
    values = result.value;
    const missing = options.fields.filter(f => f.required && !values[f.name]?.trim());
    if (missing.length > 0) {
      error = `Give ${missing.map(f => f.label.toLowerCase()).join(' and ')}.`;
      continue;
    }
    const out: Values = {};
    for (const f of options.fields) {
      const v = values[f.name]?.trim();
      if (v) {
        out[f.name] = v;
      }
    }
    return out;
  }
}
