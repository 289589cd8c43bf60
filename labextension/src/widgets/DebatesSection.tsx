/**
 * The sidebar's Debates section, beside Chambers: the newest debates first, each with
 * its topic, pinned target, state, rounds and when it started. A click opens its
 * transcript (`open-debate`). Follows live updates (debates started, rounds, closes).
 */
import { ReactWidget } from '@jupyterlab/apputils';
import {
  caretDownIcon,
  caretRightIcon,
  listIcon
} from '@jupyterlab/ui-components';
import React, { useState } from 'react';

import { listDebates, Session } from '../api';
import { RelativeTime } from '../components/RelativeTime';
import { ScentLine } from '../components/Scent';
import { IChangeEvent, LiveUpdates } from '../events';
import { describeError } from '../request';

export interface IDebatesOptions {
  live: LiveUpdates;
  /** Open a debate's transcript (the `open-debate` command). */
  openDebate?: (id: string) => void;
  /** Every debate in a main-area view (the `open-debates` command). */
  openDebates?: () => void;
}

/** The section lists this many; "All debates" opens the full list. */
const SHOWN = 20;
/** Milliseconds over which a burst of debate events becomes one reload. */
const LIVE_DEBOUNCE_MS = 250;

function Row(props: {
  session: Session;
  open?: (id: string) => void;
}): JSX.Element {
  const s = props.session;
  const topic = s.topic || s.id;
  const target =
    s.target_artifact_id && s.target_artifact_version !== null
      ? `${s.target_artifact_id}@v${s.target_artifact_version}`
      : (s.target_artifact_id ?? '');
  const state = s.closed_at ? 'closed' : 'open';
  const rounds = `${s.num_rounds} round${s.num_rounds === 1 ? '' : 's'}`;
  return (
    <li
      className="jp-Artifacts-debate-row"
      data-session-id={s.id}
      data-state={state}
    >
      <button
        type="button"
        className="jp-Artifacts-row-header"
        onClick={() => props.open?.(s.id)}
        title={`${topic}\n${target ? `on ${target} · ` : ''}${state} · ${rounds}${s.debate_type ? ` · ${s.debate_type}` : ''}\n${s.id}`}
      >
        <span className="jp-Artifacts-row-text">
          <span className="jp-Artifacts-title" title={topic}>
            {topic}
          </span>
          <ScentLine
            items={[
              ...(target
                ? [
                    <span
                      key="target"
                      className="jp-Artifacts-debate-target"
                      title={`target: ${target}`}
                    >
                      {target}
                    </span>
                  ]
                : []),
              <span
                key="state"
                className={
                  s.closed_at
                    ? 'jp-Artifacts-closed'
                    : 'jp-Artifacts-debate-open'
                }
              >
                {state}
              </span>,
              <span key="rounds">{rounds}</span>,
              <RelativeTime key="time" iso={s.started_at} />
            ]}
          />
        </span>
      </button>
    </li>
  );
}

function Section(props: {
  items: Session[] | null;
  more: boolean;
  error: string | null;
  options: IDebatesOptions;
}): JSX.Element {
  const [expanded, setExpanded] = useState(true);
  const Caret = expanded ? caretDownIcon : caretRightIcon;
  const { items, options } = props;
  return (
    <div className="jp-Artifacts-debates">
      <div className="jp-Artifacts-header">
        <button
          type="button"
          className="jp-Artifacts-section-toggle"
          aria-expanded={expanded}
          onClick={() => setExpanded(!expanded)}
        >
          <Caret.react tag="span" />
          <span className="jp-Artifacts-heading">Debates</span>
        </button>
        {options.openDebates && (
          <button
            type="button"
            className="jp-Artifacts-refresh jp-Button jp-mod-minimal jp-Artifacts-all-debates"
            title="All debates"
            aria-label="All debates"
            onClick={options.openDebates}
          >
            <listIcon.react tag="span" />
          </button>
        )}
      </div>
      {expanded && (
        <div className="jp-Artifacts-debates-body">
          {props.error && (
            <div className="jp-Artifacts-error" role="alert">
              {props.error}
            </div>
          )}
          {items === null ? (
            <div className="jp-Artifacts-empty">Loading debates…</div>
          ) : items.length === 0 ? (
            <div className="jp-Artifacts-empty">No debates yet.</div>
          ) : (
            <ul
              className="jp-Artifacts-list"
              aria-label="Debates, newest first"
            >
              {items.map(s => (
                <Row key={s.id} session={s} open={options.openDebate} />
              ))}
            </ul>
          )}
          {props.more && options.openDebates && (
            <button
              type="button"
              className="jp-Button jp-mod-minimal jp-Artifacts-link jp-Artifacts-more-debates"
              onClick={options.openDebates}
            >
              All debates…
            </button>
          )}
        </div>
      )}
    </div>
  );
}

export class DebatesSection extends ReactWidget {
  constructor(private _options: IDebatesOptions) {
    super();
    this.addClass('jp-Artifacts-debates-section');
    _options.live.changed.connect(this._onChange, this);
    _options.live.resync.connect(this._onResync, this);
    void this.load();
  }

  /** Re-fetch the newest debates; a reply older than a later request's is dropped. */
  async load(): Promise<void> {
    const current = ++this._generation;
    try {
      const page = await listDebates({ limit: SHOWN });
      if (current !== this._generation) {
        return;
      }
      this._items = page.items;
      this._more = page.next_cursor !== null;
      this._error = null;
    } catch (error) {
      if (current !== this._generation) {
        return;
      }
      this._error = describeError(error);
    }
    this.update();
  }

  dispose(): void {
    window.clearTimeout(this._timer);
    this._options.live.changed.disconnect(this._onChange, this);
    this._options.live.resync.disconnect(this._onResync, this);
    super.dispose();
  }

  protected render(): JSX.Element {
    return (
      <Section
        items={this._items}
        more={this._more}
        error={this._error}
        options={this._options}
      />
    );
  }

  private _onChange(_: unknown, event: IChangeEvent): void {
    if (event.kind === 'debate' && this._timer === 0) {
      this._timer = window.setTimeout(() => {
        this._timer = 0;
        void this.load();
      }, LIVE_DEBOUNCE_MS);
    }
  }

  private _onResync(): void {
    void this.load();
  }

  private _items: Session[] | null = null;
  private _more = false;
  private _error: string | null = null;
  private _timer = 0;
  private _generation = 0;
}
