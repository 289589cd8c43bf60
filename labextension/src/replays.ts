/**
 * The latest replay of each version, for every view of this page (version
 * view, history, debate chips), fetched once per notebook and kept current:
 * a replay started here or announced by a `replay` live event is followed
 * (GET api/replays/{id} about once a second, for its progress) until it
 * finishes. `changed` names the notebook whose verdicts moved.
 */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { getReplay, listLatestReplays, startReplay } from './api';
import type { IChangeEvent, LiveUpdates } from './events';
import { parseRef } from './models';
import type { LatestReplays, Replay, ReplayRequest, ReplayStarted } from './replayTypes';

/** The routes the store reads (the real ones unless a test gives its own). */
export interface IReplayAPI {
  getReplay(id: string): Promise<Replay>;
  listLatestReplays(notebookId: string): Promise<LatestReplays>;
  startReplay(notebookId: string, n: number, body: ReplayRequest): Promise<ReplayStarted>;
}

const REAL_API: IReplayAPI = { getReplay, listLatestReplays, startReplay };

export interface IReplayStoreOptions {
  live?: Pick<LiveUpdates, 'changed' | 'resync'>;
  api?: IReplayAPI;
  /** Between two reads of a running replay. */
  pollMs?: number;
  /** Failed reads in a row before following a replay gives up. */
  maxFailures?: number;
}

interface INotebookEntry {
  byVersion: Map<number, Replay>;
  loading: Promise<void> | null;
}

/** `{artifactId, version}` of a replay reply. */
function versionOf(r: Replay): { artifactId: string; version: number } | null {
  if (r.notebook_id && typeof r.version_number === 'number') {
    return { artifactId: r.notebook_id, version: r.version_number };
  }
  const ref = parseRef(r.ref ?? '');
  return ref && ref.version !== undefined ? { artifactId: ref.artifactId, version: ref.version } : null;
}

/** Whether `a` is the later replay of its version (or the same one, read again). */
function supersedes(a: Replay, b: Replay | undefined): boolean {
  return b === undefined || a.replay_id === b.replay_id || Date.parse(a.created_at) >= Date.parse(b.created_at);
}

export class ReplayStore implements IDisposable {
  constructor(options: IReplayStoreOptions = {}) {
    this._api = options.api ?? REAL_API;
    this._pollMs = options.pollMs ?? 1000;
    this._maxFailures = options.maxFailures ?? 5;
    this._live = options.live ?? null;
    this._live?.changed.connect(this._onChange, this);
    this._live?.resync.connect(this._onResync, this);
  }

  /** The notebook id whose versions' verdicts changed. */
  get changed(): ISignal<this, string> {
    return this._changed;
  }

  /** The latest replay of `id@vN`: undefined while unknown (not loaded), null if never replayed. */
  latest(artifactId: string, n: number): Replay | null | undefined {
    const entry = this._notebooks.get(artifactId);
    if (entry === undefined || (entry.loading !== null && !entry.byVersion.has(n))) {
      return undefined;
    }
    return entry.byVersion.get(n) ?? null;
  }

  /** Load a notebook's verdicts unless they are loaded or loading. */
  ensure(artifactId: string): Promise<void> {
    const entry = this._notebooks.get(artifactId);
    if (entry !== undefined) {
      return entry.loading ?? Promise.resolve();
    }
    return this.reload(artifactId);
  }

  /**
   * Read a notebook's verdicts again. One that cannot be read (not a notebook,
   * no such route yet) reads as never replayed, rather than failing its views.
   */
  reload(artifactId: string): Promise<void> {
    const entry: INotebookEntry = this._notebooks.get(artifactId) ?? { byVersion: new Map(), loading: null };
    this._notebooks.set(artifactId, entry);
    const loading = this._api.listLatestReplays(artifactId).then(
      page => {
        for (const r of page?.items ?? []) {
          this._keep(r, false);
        }
      },
      () => undefined
    ).then(() => {
      if (entry.loading === loading) {
        entry.loading = null;
      }
      this._emit(artifactId);
      for (const r of entry.byVersion.values()) {
        if (r.status === 'running') {
          void this.follow(r.replay_id).catch(() => undefined);
        }
      }
    });
    entry.loading = loading;
    return loading;
  }

  /** Start a replay of `id@vN`; resolves with it once it finished. */
  async start(artifactId: string, n: number, body: ReplayRequest = {}): Promise<Replay> {
    const started = await this._api.startReplay(artifactId, n, body);
    return this.follow(started.replay_id);
  }

  /** Read a replay until it finished (one reader per replay, however many ask). */
  follow(replayId: string): Promise<Replay> {
    let following = this._following.get(replayId);
    if (following === undefined) {
      following = this._poll(replayId).finally(() => this._following.delete(replayId));
      this._following.set(replayId, following);
    }
    return following;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._live?.changed.disconnect(this._onChange, this);
    this._live?.resync.disconnect(this._onResync, this);
    this._wake.forEach(wake => wake());
    Signal.clearData(this);
  }

  private async _poll(replayId: string): Promise<Replay> {
    let failures = 0;
    for (;;) {
      if (this._disposed) {
        throw new Error('The page stopped following this replay.');
      }
      try {
        const r = await this._api.getReplay(replayId);
        failures = 0;
        this._keep(r, true);
        if (r.status !== 'running') {
          return r;
        }
      } catch (error) {
        if (++failures >= this._maxFailures) {
          throw error;
        }
      }
      await this._sleep(replayId);
    }
  }

  /** Wait for the next read: the poll interval, or a `finished` event for it, whichever is first. */
  private _sleep(replayId: string): Promise<void> {
    return new Promise(resolve => {
      const done = () => {
        window.clearTimeout(timer);
        this._wake.delete(replayId);
        resolve();
      };
      const timer = window.setTimeout(done, this._pollMs);
      this._wake.set(replayId, done);
    });
  }

  /** Keep `r` if it is its version's latest; `emit`: say so now. */
  private _keep(r: Replay, emit: boolean): void {
    const where = versionOf(r);
    if (where === null) {
      return;
    }
    // A notebook no view asked about stays unknown (its other versions are not loaded).
    const entry = this._notebooks.get(where.artifactId);
    if (entry === undefined) {
      return;
    }
    if (supersedes(r, entry.byVersion.get(where.version))) {
      entry.byVersion.set(where.version, r);
      if (emit) {
        this._emit(where.artifactId);
      }
    }
  }

  private _emit(artifactId: string): void {
    if (!this._disposed) {
      this._changed.emit(artifactId);
    }
  }

  private _onChange(_: unknown, event: IChangeEvent): void {
    if (event.kind !== 'replay' || !event.artifact_id) {
      return;
    }
    const id = event.replay_id;
    if (id && this._following.has(id)) {
      this._wake.get(id)?.(); // read it now, not at the next tick
    } else if (!this._notebooks.has(event.artifact_id)) {
      return; // no view shows this notebook's verdicts
    } else if (id) {
      // A replay started elsewhere (another page, the CLI, an agent): follow it too.
      void this.follow(id).catch(() => undefined);
    } else {
      void this.reload(event.artifact_id);
    }
  }

  private _onResync(): void {
    for (const artifactId of this._notebooks.keys()) {
      void this.reload(artifactId);
    }
  }

  private _api: IReplayAPI;
  private _pollMs: number;
  private _maxFailures: number;
  private _live: Pick<LiveUpdates, 'changed' | 'resync'> | null;
  private _notebooks = new Map<string, INotebookEntry>();
  private _following = new Map<string, Promise<Replay>>();
  private _wake = new Map<string, () => void>();
  private _disposed = false;
  private _changed = new Signal<this, string>(this);
}
