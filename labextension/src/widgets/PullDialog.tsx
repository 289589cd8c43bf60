/**
 * The pull dialog: which version (type-ahead and version picker), into which
 * open chamber, as what. The pull is made while the dialog is open: a wrong
 * id, an unknown version or a closed chamber is said inside the dialog, and
 * everything typed stays as it was.
 */
import { Dialog, ReactWidget } from '@jupyterlab/apputils';
import React, { useRef, useState } from 'react';

import type { Role } from '../api';
import { ChamberSelect } from '../components/ChamberSelect';
import { RefPicker } from '../components/RefPicker';
import { parseRef } from '../models';
import { describeError } from '../request';

const ROLES: Role[] = ['reference', 'input', 'workbench'];

export interface IPullChoice {
  ref: string;
  chamberId: string;
  role: Role;
}

function Form(props: {
  initial: IPullChoice;
  error: string | null;
  busy: boolean;
  keys: { current: ((event: KeyboardEvent) => boolean) | null };
  onChange: (choice: IPullChoice) => void;
}): JSX.Element {
  const [v, setV] = useState(props.initial);
  // The pickers report late (versions and chambers load after the user may have chosen a
  // role): each change applies to the latest choice, never to the render it was made in.
  const latest = useRef(props.initial);
  const set = (patch: Partial<IPullChoice>) => {
    const next = { ...latest.current, ...patch };
    latest.current = next;
    setV(next);
    props.onChange(next);
  };
  return (
    <form
      className="jp-Artifacts-append-form jp-Artifacts-pull-form"
      onSubmit={e => e.preventDefault()}
    >
      <RefPicker
        initial={props.initial.ref}
        keys={props.keys}
        disabled={props.busy}
        onChange={ref => set({ ref })}
      />
      <label>
        Chamber
        <ChamberSelect
          value={v.chamberId}
          onChange={chamberId => set({ chamberId })}
        />
      </label>
      <label>
        Role
        <select
          className="jp-mod-styled jp-Artifacts-pull-role"
          value={v.role}
          disabled={props.busy}
          onChange={e => set({ role: e.target.value as Role })}
        >
          {ROLES.map(r => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </label>
      {props.busy && (
        <div className="jp-Artifacts-muted jp-Artifacts-pull-busy">
          Pulling…
        </div>
      )}
      {props.error && (
        <div
          className="jp-Artifacts-error jp-Artifacts-pull-error"
          role="alert"
        >
          {props.error}
        </div>
      )}
    </form>
  );
}

class FormBody extends ReactWidget implements Dialog.IBodyWidget<IPullChoice> {
  readonly keys: { current: ((event: KeyboardEvent) => boolean) | null } = {
    current: null
  };
  private _error: string | null = null;
  private _busy = false;

  constructor(
    private _choice: IPullChoice,
    private readonly _initial: IPullChoice
  ) {
    super();
    this.addClass('jp-Artifacts-dialog');
    this.addClass('jp-Artifacts-pull-dialog');
  }

  getValue(): IPullChoice {
    return { ...this._choice, ref: this._choice.ref.trim() };
  }

  setState(state: { error?: string | null; busy?: boolean }): void {
    this._error = state.error === undefined ? this._error : state.error;
    this._busy = state.busy ?? this._busy;
    if (!this.isDisposed) {
      this.update();
    }
  }

  protected render(): JSX.Element {
    return (
      <Form
        initial={this._initial}
        error={this._error}
        busy={this._busy}
        keys={this.keys}
        onChange={c => {
          this._choice = c;
          if (this._error) {
            this.setState({ error: null }); // the error was about what has just been changed
          }
        }}
      />
    );
  }
}

/** What is wrong with a choice before asking the server, or null. */
function problem(choice: IPullChoice): string | null {
  if (parseRef(choice.ref) === null) {
    return choice.ref
      ? `"${choice.ref}" is not an artifact id or a version reference: pick an artifact from the list, or type one like hypothesis-H-89@v2.`
      : 'Pick an artifact: type part of its id or title.';
  }
  if (!choice.chamberId) {
    return 'Choose an open chamber (or open one first).';
  }
  return null;
}

/** A dialog whose accept button runs `submit` and closes only once it succeeded. */
class SubmittingDialog<R> extends Dialog<IPullChoice> {
  outcome: { value: R } | null = null;
  private _busy = false;

  constructor(
    private readonly _form: FormBody,
    private readonly _submit: (choice: IPullChoice) => Promise<R>,
    private readonly _buttonList: ReadonlyArray<Dialog.IButton>,
    options: Partial<Dialog.IOptions<IPullChoice>>
  ) {
    super({
      ...options,
      body: _form,
      buttons: _buttonList,
      defaultButton: _buttonList.length - 1
    });
  }

  handleEvent(event: Event): void {
    // The type-ahead list takes Enter and Escape first (the dialog listens in the capture phase).
    if (
      event.type === 'keydown' &&
      this._form.keys.current?.(event as KeyboardEvent)
    ) {
      event.preventDefault();
      event.stopPropagation();
      return;
    }
    super.handleEvent(event);
  }

  resolve(index?: number): void {
    const button = this._buttonList[index ?? this._buttonList.length - 1];
    if (!button?.accept || this.outcome !== null) {
      super.resolve(index);
      return;
    }
    if (this._busy) {
      return;
    }
    const choice = this._form.getValue();
    const wrong = problem(choice);
    if (wrong) {
      this._form.setState({ error: wrong });
      return;
    }
    this._setBusy(true);
    this._submit(choice).then(
      value => {
        this.outcome = { value };
        super.resolve(index);
      },
      error => {
        this._setBusy(false);
        this._form.setState({ error: describeError(error) });
        (
          this.node.querySelector(
            '.jp-Artifacts-pull-ref'
          ) as HTMLInputElement | null
        )?.focus();
      }
    );
  }

  private _setBusy(busy: boolean): void {
    this._busy = busy;
    this._form.setState({ busy, error: busy ? null : undefined });
    const accept = this.node.querySelector(
      '.jp-Dialog-footer .jp-mod-accept'
    ) as HTMLButtonElement | null;
    if (accept) {
      accept.disabled = busy;
    }
  }
}

/**
 * Ask which version to pull where and as what, and pull it (`submit`) before closing;
 * null when cancelled, otherwise what `submit` resolved with.
 */
export async function askPull<R>(
  initial: IPullChoice,
  submit: (choice: IPullChoice) => Promise<R>
): Promise<R | null> {
  const dialog = new SubmittingDialog<R>(
    new FormBody(initial, initial),
    submit,
    [Dialog.cancelButton(), Dialog.okButton({ label: 'Pull' })],
    {
      title: 'Pull a version into a chamber',
      focusNodeSelector: '.jp-Artifacts-pull-ref'
    }
  );
  const result = await dialog.launch();
  return result.button.accept && dialog.outcome !== null
    ? dialog.outcome.value
    : null;
}
