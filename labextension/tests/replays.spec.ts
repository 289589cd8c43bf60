import { Signal } from '@lumino/signaling';
import { describe, expect, it } from 'vitest';

import { IChangeEvent, parseChange } from '../src/events';
import { IReplayAPI, ReplayStore } from '../src/replays';
import type { Replay, ReplayRequest } from '../src/replayTypes';

function replay(id: string, n: number, status: Replay['status'], created_at: string, done = 0): Replay {
  return {
    replay_id: id,
    ref: `NB@v${n}`,
    notebook_id: 'NB',
    version_number: n,
    status,
    cells: [],
    progress: { done, total: 3 },
    created_at
  };
}

/** A stand-in for the server's replay routes: each read of a running replay moves it one cell on. */
class Server implements IReplayAPI {
  replays = new Map<string, Replay>();
  reads: string[] = [];
  started: { id: string; n: number; body: ReplayRequest }[] = [];
  finishAfter = 3;
  failNext = 0;

  async getReplay(id: string): Promise<Replay> {
    this.reads.push(id);
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('network');
    }
    const r = this.replays.get(id)!;
    if (r.status === 'running') {
      const done = (r.progress?.done ?? 0) + 1;
      const next: Replay = { ...r, progress: { done, total: 3 } };
      if (done >= this.finishAfter) {
        next.status = 'differs';
        next.finished_at = '2026-12-06T03:00:09Z';
      }
      this.replays.set(id, next);
      return r;
    }
    return r;
  }

  async listLatestReplays(notebookId: string) {
    if (notebookId !== 'NB') {
      throw new Error('not a notebook');
    }
    const latest = new Map<number, Replay>();
    for (const r of this.replays.values()) {
      const old = latest.get(r.version_number!);
      if (!old || old.created_at < r.created_at) {
        latest.set(r.version_number!, r);
      }
    }
    return { notebook_id: notebookId, items: [...latest.values()] };
  }

  async startReplay(id: string, n: number, body: ReplayRequest) {
    const replayId = `r${this.replays.size + 1}`;
    this.started.push({ id, n, body });
    this.replays.set(replayId, replay(replayId, n, 'running', `2026-12-06T03:00:0${this.replays.size}Z`));
    return { replay_id: replayId, status: 'running' as const };
  }
}

function live() {
  const owner = {};
  return { changed: new Signal<any, IChangeEvent>(owner), resync: new Signal<any, string>(owner) };
}

describe('ReplayStore', () => {
  it('loads the latest replay of each version once, and reads unknown versions as never replayed', async () => {
    const server = new Server();
    server.replays.set('a', replay('a', 1, 'reproduced', '2026-12-06T02:00:00Z'));
    server.replays.set('b', replay('b', 1, 'differs', '2026-12-06T02:30:00Z'));
    const store = new ReplayStore({ api: server, pollMs: 1 });
    expect(store.latest('NB', 1)).toBeUndefined();
    await store.ensure('NB');
    expect(store.latest('NB', 1)?.replay_id).toBe('b');
    expect(store.latest('NB', 2)).toBeNull();
  });

  it('reads an artifact that is not a notebook as never replayed', async () => {
    const store = new ReplayStore({ api: new Server(), pollMs: 1 });
    await store.ensure('HYP-1');
    expect(store.latest('HYP-1', 1)).toBeNull();
  });

  it('starts a replay, shows its progress, and resolves once it finished', async () => {
    const server = new Server();
    const store = new ReplayStore({ api: server, pollMs: 1 });
    await store.ensure('NB');
    const seen: string[] = [];
    store.changed.connect(() => {
      const r = store.latest('NB', 2);
      seen.push(`${r?.status}:${r?.progress?.done}`);
    });
    const finished = await store.start('NB', 2, { timeout_s: 30 });
    expect(finished.status).toBe('differs');
    expect(server.started).toEqual([{ id: 'NB', n: 2, body: { timeout_s: 30 } }]);
    expect(seen).toEqual(['running:0', 'running:1', 'running:2', 'differs:3']);
    expect(store.latest('NB', 2)?.status).toBe('differs');
  });

  it('has one reader per replay however many follow it, and rides out a failed read', async () => {
    const server = new Server();
    const store = new ReplayStore({ api: server, pollMs: 1 });
    const { replay_id } = await server.startReplay('NB', 1, {});
    server.failNext = 2;
    const [a, b] = await Promise.all([store.follow(replay_id), store.follow(replay_id)]);
    expect(a).toBe(b);
    expect(a.status).toBe('differs');
    expect(server.reads.length).toBe(6); // two failures, then four reads (three running, one finished)
  });

  it('gives up after failed reads in a row', async () => {
    const server = new Server();
    const store = new ReplayStore({ api: server, pollMs: 1, maxFailures: 2 });
    const { replay_id } = await server.startReplay('NB', 1, {});
    server.failNext = 2;
    await expect(store.follow(replay_id)).rejects.toThrow('network');
  });

  it('follows a replay another page started, for a notebook shown here only', async () => {
    const server = new Server();
    const events = live();
    const store = new ReplayStore({ api: server, pollMs: 1, live: events });
    await store.ensure('NB');
    const { replay_id } = await server.startReplay('NB', 3, {});
    const other = await server.startReplay('OTHER', 1, {});
    const finished = new Promise<void>(resolve =>
      store.changed.connect(() => store.latest('NB', 3)?.status === 'differs' && resolve())
    );
    events.changed.emit({ kind: 'replay', action: 'started', artifact_id: 'NB', version_number: 3, replay_id });
    events.changed.emit({ kind: 'replay', action: 'started', artifact_id: 'OTHER', version_number: 1, replay_id: other.replay_id });
    await finished;
    expect(server.reads).not.toContain(other.replay_id);
    store.dispose();
  });

  it('keeps the newer replay of a version when an older one is read late', async () => {
    const server = new Server();
    server.replays.set('new', replay('new', 1, 'reproduced', '2026-12-06T02:50:00Z'));
    const store = new ReplayStore({ api: server, pollMs: 1 });
    await store.ensure('NB');
    server.replays.set('old', { ...replay('old', 1, 'failed', '2026-12-06T01:00:00Z') });
    await store.follow('old');
    expect(store.latest('NB', 1)?.replay_id).toBe('new');
  });
});

describe('replay live events', () => {
  it('keep their kind, action, version and replay id', () => {
    const event = parseChange({
      schema_id: 'https://events.jupyter.org/jupyter_artifacts/change/v1',
      kind: 'replay',
      action: 'finished',
      artifact_id: 'NB',
      version_number: 3,
      ref: 'NB@v3',
      replay_id: '0b0e7d5e-1b7a-4a43-9f0e-3f0a3b2b8c11',
      content: 'dropped'
    } as any);
    expect(event).toEqual({
      kind: 'replay',
      action: 'finished',
      artifact_id: 'NB',
      version_number: 3,
      ref: 'NB@v3',
      replay_id: '0b0e7d5e-1b7a-4a43-9f0e-3f0a3b2b8c11'
    });
  });
});
