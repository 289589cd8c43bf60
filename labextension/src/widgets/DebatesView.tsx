/** The debates (`open-debates`), newest first: topic, pinned target, state, rounds. */
import { ReactWidget } from '@jupyterlab/apputils';
import React from 'react';

import { listDebates, Session } from '../api';
import { VersionChip } from '../components/VersionChip';
import { IChangeEvent } from '../events';
import { describeError } from '../request';
import { CommandIDs } from '../tokens';
import { IViewServices } from './services';
import { RelativeTime } from '../components/RelativeTime';

export class DebatesView extends ReactWidget {
  constructor(private _services: IViewServices) {
    super();
    this.addClass('jp-Artifacts-view');
    this.addClass('jp-Artifacts-debates-view');
    this.title.label = 'Debates';
    _services.live.changed.connect(this._onChange, this);
    _services.live.resync.connect(() => void this.load(), this);
    this.ready = this.load();
  }

  readonly ready: Promise<void>;

  async load(more = false): Promise<void> {
    try {
      const page = await listDebates({
        limit: 100,
        cursor: more ? this._cursor : null
      });
      this._items = more ? [...this._items, ...page.items] : page.items;
      this._cursor = page.next_cursor;
      this._error = null;
    } catch (error) {
      this._error = describeError(error);
    }
    this.update();
  }

  dispose(): void {
    this._services.live.changed.disconnect(this._onChange, this);
    super.dispose();
  }

  protected render(): JSX.Element {
    const { commands, chipMenu } = this._services;
    const open = (ref: string) =>
      void commands.execute(CommandIDs.openVersion, { ref });
    return (
      <div className="jp-Artifacts-history">
        {this._error !== null && (
          <div className="jp-Artifacts-error" role="alert">
            {this._error}
          </div>
        )}
        <table className="jp-Artifacts-history-table">
          <thead>
            <tr>
              <th>Topic</th>
              <th>Target</th>
              <th>State</th>
              <th>Rounds</th>
              <th>Started</th>
            </tr>
          </thead>
          <tbody>
            {this._items.map(s => (
              <tr key={s.id} data-session-id={s.id}>
                <td>
                  <button
                    type="button"
                    className="jp-Button jp-mod-minimal jp-Artifacts-link jp-Artifacts-open-debate"
                    onClick={() =>
                      void commands.execute(CommandIDs.openDebate, { id: s.id })
                    }
                  >
                    {s.topic ?? s.id}
                  </button>
                </td>
                <td>
                  {s.target_artifact_id &&
                  s.target_artifact_version !== null ? (
                    <VersionChip
                      artifactId={s.target_artifact_id}
                      versionNumber={s.target_artifact_version}
                      onOpen={open}
                      onContextMenu={chipMenu}
                    />
                  ) : (
                    (s.target_artifact_id ?? '')
                  )}
                </td>
                <td>{s.closed_at ? 'closed' : 'open'}</td>
                <td>{s.num_rounds}</td>
                <td className="jp-Artifacts-date">
                  <RelativeTime iso={s.started_at} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {this._items.length === 0 && this._error === null && (
          <div className="jp-Artifacts-empty">No debates yet.</div>
        )}
        {this._cursor && (
          <button
            type="button"
            className="jp-Button jp-mod-styled"
            onClick={() => void this.load(true)}
          >
            Load more
          </button>
        )}
      </div>
    );
  }

  private _onChange(_: unknown, event: IChangeEvent): void {
    if (event.kind === 'debate') {
      void this.load();
    }
  }

  private _items: Session[] = [];
  private _cursor: string | null = null;
  private _error: string | null = null;
}
