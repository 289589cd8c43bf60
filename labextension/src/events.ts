/**
 * Live updates (API.md, "Live updates"): the server's change events, read from
 * JupyterLab's event stream, as typed signals that views connect to.
 *
 * Events are hints to re-fetch. `changed` carries one change (ids only);
 * `resync` asks every open view to re-fetch what it shows: the server lost
 * changes (its database connection came back), or this page may have (the
 * network or the server was away, or the tab slept while the event socket,
 * which never replays, was closed).
 */
import { Event } from '@jupyterlab/services';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { getStatus } from './api';
import { CHANGE_SCHEMA_ID } from './tokens';

export type ChangeKind =
  | 'version'
  | 'tag'
  | 'lifecycle'
  | 'step'
  | 'chamber'
  | 'debate'
  | 'replay'
  | 'resync';

/** One change, as the server announces it (never content, never HTML). */
export interface IChangeEvent {
  kind: ChangeKind;
  action: string;
  artifact_id?: string;
  version_number?: number;
  ref?: string;
  chamber_id?: string;
  session_id?: string;
  tag?: string;
  /** A `replay` event's replay (actions `started`, `finished`). */
  replay_id?: string;
}

const KINDS: ReadonlySet<string> = new Set([
  'version',
  'tag',
  'lifecycle',
  'step',
  'chamber',
  'debate',
  'replay',
  'resync'
]);

/** Only the contract's fields, with the contract's types; anything else is dropped. */
export function parseChange(emission: Event.Emission): IChangeEvent | null {
  if (emission.schema_id !== CHANGE_SCHEMA_ID) {
    return null;
  }
  const raw = emission as Record<string, unknown>;
  if (typeof raw.kind !== 'string' || !KINDS.has(raw.kind)) {
    return null;
  }
  if (typeof raw.action !== 'string') {
    return null;
  }
  const event: IChangeEvent = {
    kind: raw.kind as ChangeKind,
    action: raw.action
  };
  for (const key of [
    'artifact_id',
    'ref',
    'chamber_id',
    'session_id',
    'tag',
    'replay_id'
  ] as const) {
    if (typeof raw[key] === 'string') {
      event[key] = raw[key] as string;
    }
  }
  if (
    typeof raw.version_number === 'number' &&
    Number.isInteger(raw.version_number)
  ) {
    event.version_number = raw.version_number;
  }
  return event;
}

/** A tab hidden this long may have missed events: re-fetch when it is shown. */
const HIDDEN_RESYNC_MS = 30_000;
/** How often to check whether the server is back after a failure. */
const RECOVERY_POLL_MS = 3_000;

export interface ILiveUpdatesOptions {
  /** `app.serviceManager.events`. */
  events: Event.IManager;
  /** `app.serviceManager.connectionFailure`, if any. */
  connectionFailure?: ISignal<unknown, Error>;
}

/** The live-update stream of one JupyterLab page. */
export class LiveUpdates implements IDisposable {
  constructor(options: ILiveUpdatesOptions) {
    this._events = options.events;
    this._events.stream.connect(this._onEmission, this);
    options.connectionFailure?.connect(this._onConnectionFailure, this);
    window.addEventListener('online', this._onOnline);
    document.addEventListener('visibilitychange', this._onVisibility);
  }

  /** One change made anywhere on the shared database. */
  get changed(): ISignal<this, IChangeEvent> {
    return this._changed;
  }

  /** Re-fetch everything shown; the argument says why. */
  get resync(): ISignal<this, string> {
    return this._resync;
  }

  /** When false, events are ignored (the "live updates" setting). */
  get enabled(): boolean {
    return this._enabled;
  }

  set enabled(value: boolean) {
    const resume = value && !this._enabled;
    this._enabled = value;
    if (resume) {
      this._resync.emit('enabled');
    }
  }

  /** Ask every open view to re-fetch (the `refresh` command). */
  refreshAll(reason = 'refresh'): void {
    if (!this._isDisposed) {
      this._resync.emit(reason);
    }
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._events.stream.disconnect(this._onEmission, this);
    window.removeEventListener('online', this._onOnline);
    document.removeEventListener('visibilitychange', this._onVisibility);
    window.clearInterval(this._recovery);
    Signal.clearData(this);
  }

  private _onEmission(_: unknown, emission: Event.Emission): void {
    if (!this._enabled) {
      return;
    }
    const event = parseChange(emission);
    if (event === null) {
      return;
    }
    if (event.kind === 'resync') {
      this._resync.emit(`server ${event.action}`);
    } else {
      this._changed.emit(event);
    }
  }

  private _onConnectionFailure(): void {
    if (this._recovery !== 0 || this._isDisposed) {
      return;
    }
    // The server is away; once it answers again, whatever happened meanwhile is unknown.
    this._recovery = window.setInterval(() => {
      getStatus().then(
        () => {
          window.clearInterval(this._recovery);
          this._recovery = 0;
          this._emitResync('reconnected');
        },
        () => undefined
      );
    }, RECOVERY_POLL_MS);
  }

  private _onOnline = (): void => {
    this._emitResync('online');
  };

  private _onVisibility = (): void => {
    if (document.visibilityState === 'hidden') {
      this._hiddenSince = Date.now();
    } else if (
      this._hiddenSince !== 0 &&
      Date.now() - this._hiddenSince > HIDDEN_RESYNC_MS
    ) {
      this._hiddenSince = 0;
      this._emitResync('visible');
    }
  };

  private _emitResync(reason: string): void {
    if (this._enabled && !this._isDisposed) {
      this._resync.emit(reason);
    }
  }

  private _events: Event.IManager;
  private _enabled = true;
  private _isDisposed = false;
  private _hiddenSince = 0;
  private _recovery = 0;
  private _changed = new Signal<this, IChangeEvent>(this);
  private _resync = new Signal<this, string>(this);
}
