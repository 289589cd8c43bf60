/**
 * The sidebar's Chambers section: open chambers first, then recently closed
 * ones, each with its purpose, owner, pin count and when it opened (or closed);
 * a button opens a new one.
 * Follows live updates (chambers opened, pulled or closed anywhere).
 */
import { ReactWidget } from '@jupyterlab/apputils';
import {
  addIcon,
  caretDownIcon,
  caretRightIcon
} from '@jupyterlab/ui-components';
import React, { useState } from 'react';

import { ChamberSummary, listChambers } from '../api';
import { RelativeTime } from '../components/RelativeTime';
import { ScentLine } from '../components/Scent';
import { IChangeEvent, LiveUpdates } from '../events';
import { describeError } from '../request';

export interface IChambersOptions {
  live: LiveUpdates;
  openChamber: (id: string) => void;
  newChamber: () => void;
}

const CLOSED_SHOWN = 10;

function Row(props: {
  chamber: ChamberSummary;
  open: (id: string) => void;
}): JSX.Element {
  const c = props.chamber;
  const owner = c.owner_actor_id
    ? `${c.owner_actor_type ?? ''} ${c.owner_actor_id}`.trim()
    : 'no owner';
  const items = [
    <span key="purpose" className="jp-Artifacts-type">
      {c.purpose}
    </span>,
    <span key="owner" title={owner}>
      {c.owner_actor_id ?? owner}
    </span>,
    <span key="pins">{c.pin_count} pinned</span>,
    ...(c.closed_at
      ? [
          <span key="closed" className="jp-Artifacts-closed">
            closed
          </span>
        ]
      : []),
    <RelativeTime key="time" iso={c.closed_at ?? c.created_at} />
  ];
  return (
    <li
      className="jp-Artifacts-chamber-row"
      data-chamber-id={c.id}
      data-state={c.closed_at ? 'closed' : 'open'}
    >
      <button
        type="button"
        className="jp-Artifacts-row-header"
        onClick={() => props.open(c.id)}
        title={`${c.name}\n${c.purpose} · ${owner} · ${c.pin_count} pinned${c.closed_at ? ' · closed' : ''}`}
      >
        <span className="jp-Artifacts-row-text">
          <span className="jp-Artifacts-title" title={c.name}>
            {c.name}
          </span>
          <ScentLine items={items} />
        </span>
      </button>
    </li>
  );
}

function Section(props: {
  open: ChamberSummary[] | null;
  closed: ChamberSummary[];
  error: string | null;
  options: IChambersOptions;
}): JSX.Element {
  const [expanded, setExpanded] = useState(true);
  const Caret = expanded ? caretDownIcon : caretRightIcon;
  return (
    <div className="jp-Artifacts-chambers">
      <div className="jp-Artifacts-header">
        <button
          type="button"
          className="jp-Artifacts-section-toggle"
          aria-expanded={expanded}
          onClick={() => setExpanded(!expanded)}
        >
          <Caret.react tag="span" />
          <span className="jp-Artifacts-heading">Chambers</span>
        </button>
        <button
          type="button"
          className="jp-Artifacts-refresh jp-Button jp-mod-minimal jp-Artifacts-new-chamber"
          title="Open a new chamber"
          aria-label="Open a new chamber"
          onClick={props.options.newChamber}
        >
          <addIcon.react tag="span" />
        </button>
      </div>
      {expanded && (
        <div className="jp-Artifacts-chambers-body">
          {props.error && (
            <div className="jp-Artifacts-error" role="alert">
              {props.error}
            </div>
          )}
          {props.open === null ? (
            <div className="jp-Artifacts-empty">Loading chambers…</div>
          ) : props.open.length + props.closed.length === 0 ? (
            <div className="jp-Artifacts-empty">No chambers yet.</div>
          ) : (
            <ul className="jp-Artifacts-list" aria-label="Chambers">
              {props.open.map(c => (
                <Row key={c.id} chamber={c} open={props.options.openChamber} />
              ))}
              {props.closed.map(c => (
                <Row key={c.id} chamber={c} open={props.options.openChamber} />
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}

export class ChambersSection extends ReactWidget {
  constructor(private _options: IChambersOptions) {
    super();
    this.addClass('jp-Artifacts-chambers-section');
    _options.live.changed.connect(this._onChange, this);
    _options.live.resync.connect(() => void this.load(), this);
    void this.load();
  }

  async load(): Promise<void> {
    try {
      const [open, closed] = await Promise.all([
        listChambers({ status: 'open', limit: 200 }),
        listChambers({ status: 'closed', limit: CLOSED_SHOWN })
      ]);
      this._open = open.items;
      this._closed = closed.items;
      this._error = null;
    } catch (error) {
      this._error = describeError(error);
    }
    this.update();
  }

  dispose(): void {
    window.clearTimeout(this._timer);
    this._options.live.changed.disconnect(this._onChange, this);
    super.dispose();
  }

  protected render(): JSX.Element {
    return (
      <Section
        open={this._open}
        closed={this._closed}
        error={this._error}
        options={this._options}
      />
    );
  }

  private _onChange(_: unknown, event: IChangeEvent): void {
    if (event.kind === 'chamber' && this._timer === 0) {
      this._timer = window.setTimeout(() => {
        this._timer = 0;
        void this.load();
      }, 250);
    }
  }

  private _open: ChamberSummary[] | null = null;
  private _closed: ChamberSummary[] = [];
  private _error: string | null = null;
  private _timer = 0;
}
