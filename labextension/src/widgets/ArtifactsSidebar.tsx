/**
 * The Artifacts sidebar: search (ids, titles, content, cell sources), a type
 * filter, pages of artifacts with their latest version's chip, every version
 * once expanded. Follows live updates. Every server string is text.
 */
import { ReactWidget } from '@jupyterlab/apputils';
import { refreshIcon } from '@jupyterlab/ui-components';
import { Signal } from '@lumino/signaling';
import { Panel } from '@lumino/widgets';
import React, { useCallback, useEffect, useRef, useState } from 'react';

import {
  ArtifactTypeCount,
  listArtifacts,
  listArtifactTypes,
  listVersions,
  Version
} from '../api';
import type { ChipMenu } from '../chipmenu';
import { ArtifactRow, IVersionsState } from '../components/ArtifactRow';
import { IChangeEvent, LiveUpdates } from '../events';
import { ArtifactsAPIError, describeError } from '../request';
import { ChambersSection, IChambersOptions } from './ChambersSection';
import { DebatesSection, IDebatesOptions } from './DebatesSection';

/** Milliseconds of typing pause before the search is sent. */
const SEARCH_DEBOUNCE_MS = 300;
/** Milliseconds over which live changes are gathered into one reload. */
const LIVE_DEBOUNCE_MS = 250;
/** Changes that alter what the sidebar lists. */
const LISTED_KINDS: ReadonlySet<string> = new Set([
  'version',
  'tag',
  'lifecycle'
]);

/** What the sidebar needs from the application. */
export interface ISidebarOptions {
  live: LiveUpdates;
  /** Open exactly this version (the `open-version` command). */
  openVersion: (ref: string) => void;
  /** The context menu of version chips (pull into a chamber, …). */
  chipMenu: ChipMenu;
  /** Artifacts per page (a setting). */
  pageSize: () => number;
}

function describeListError(error: unknown): string {
  if (error instanceof ArtifactsAPIError && error.status === 404) {
    return (
      'The jupyter_artifacts server extension is not available on this ' +
      'server (GET api/artifacts answered 404).'
    );
  }
  return describeError(error);
}

/** The sidebar contents. `refreshKey` changes on every refresh (manual, live, resync). */
export function ArtifactsPanel(props: {
  refreshKey: number;
  options: ISidebarOptions;
  changedIds: ReadonlySet<string>;
}): JSX.Element {
  const { options } = props;
  const [query, setQuery] = useState('');
  const [debouncedQuery, setDebouncedQuery] = useState('');
  const [type, setType] = useState('');
  const [types, setTypes] = useState<ArtifactTypeCount[]>([]);
  const [items, setItems] = useState<Version[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const [versions, setVersions] = useState<Record<string, IVersionsState>>({});
  // Replies of superseded list requests are dropped.
  const generation = useRef(0);
  const sentinel = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const timer = window.setTimeout(
      () => setDebouncedQuery(query.trim()),
      SEARCH_DEBOUNCE_MS
    );
    return () => window.clearTimeout(timer);
  }, [query]);

  const loadVersions = useCallback((artifactId: string) => {
    setVersions(old => ({
      ...old,
      [artifactId]: {
        loading: true,
        versions: old[artifactId]?.versions ?? null,
        error: null
      }
    }));
    listVersions(artifactId).then(
      reply =>
        setVersions(old => ({
          ...old,
          [artifactId]: {
            loading: false,
            versions: reply.versions,
            error: null
          }
        })),
      (reason: unknown) =>
        setVersions(old => ({
          ...old,
          [artifactId]: {
            loading: false,
            versions: null,
            error: describeError(reason)
          }
        }))
    );
  }, []);

  const loadPage = useCallback(
    (cursor: string | null) => {
      const current = ++generation.current;
      setLoading(true);
      if (cursor === null) {
        setError(null);
      }
      listArtifacts({
        q: debouncedQuery,
        type: type || undefined,
        limit: options.pageSize(),
        cursor
      }).then(
        page => {
          if (current !== generation.current) {
            return;
          }
          setItems(old => {
            if (cursor === null) {
              return page.items;
            }
            const seen = new Set(old.map(v => v.artifact_id));
            return [
              ...old,
              ...page.items.filter(v => !seen.has(v.artifact_id))
            ];
          });
          setNextCursor(page.next_cursor);
          setLoading(false);
        },
        (reason: unknown) => {
          if (current !== generation.current) {
            return;
          }
          if (cursor === null) {
            setItems([]);
            setNextCursor(null);
          }
          setError(describeListError(reason));
          setLoading(false);
        }
      );
    },
    [debouncedQuery, type]
  );

  // The first page, whenever the search, the filter or a refresh asks for it.
  useEffect(() => loadPage(null), [loadPage, props.refreshKey]);

  useEffect(() => {
    listArtifactTypes().then(
      reply => setTypes(reply.types),
      () => setTypes([])
    );
  }, [props.refreshKey]);

  // A refresh reloads the versions of the open rows that changed (all of them on a resync).
  useEffect(() => {
    expanded.forEach(id => {
      if (props.changedIds.size === 0 || props.changedIds.has(id)) {
        loadVersions(id);
      }
    });
  }, [props.refreshKey]);

  // The next page loads when the end of the list scrolls into view.
  useEffect(() => {
    const node = sentinel.current;
    if (
      !node ||
      nextCursor === null ||
      typeof IntersectionObserver === 'undefined'
    ) {
      return;
    }
    const observer = new IntersectionObserver(entries => {
      if (entries.some(e => e.isIntersecting) && !loading) {
        loadPage(nextCursor);
      }
    });
    observer.observe(node);
    return () => observer.disconnect();
  }, [nextCursor, loading, loadPage]);

  const toggle = (artifactId: string): void => {
    const next = new Set(expanded);
    if (next.has(artifactId)) {
      next.delete(artifactId);
    } else {
      next.add(artifactId);
      loadVersions(artifactId);
    }
    setExpanded(next);
  };

  let body: JSX.Element | null = null;
  if (items.length > 0) {
    body = (
      <ul className="jp-Artifacts-list" aria-label="Artifacts">
        {items.map(item => (
          <ArtifactRow
            key={item.artifact_id}
            artifact={item}
            expanded={expanded.has(item.artifact_id)}
            versions={versions[item.artifact_id]}
            onToggle={toggle}
            openVersion={options.openVersion}
            chipMenu={options.chipMenu}
          />
        ))}
      </ul>
    );
  } else if (error === null) {
    body = (
      <div className="jp-Artifacts-empty">
        {loading
          ? 'Loading artifacts…'
          : debouncedQuery || type
            ? 'No artifact matches this search.'
            : 'No artifacts yet. Register a notebook, or create artifacts over REST.'}
      </div>
    );
  }

  return (
    <div className="jp-Artifacts-panel">
      <div className="jp-Artifacts-header">
        <span className="jp-Artifacts-heading">Artifacts</span>
        <button
          type="button"
          className="jp-Artifacts-refresh jp-Button jp-mod-minimal"
          title="Refresh"
          aria-label="Refresh"
          disabled={loading}
          onClick={() => loadPage(null)}
        >
          <refreshIcon.react tag="span" />
        </button>
      </div>
      <div className="jp-Artifacts-search">
        <input
          type="search"
          className="jp-Artifacts-search-input"
          placeholder="Search artifacts"
          aria-label="Search artifacts"
          title="Search ids, titles, content and notebook cells: every word must occur somewhere in the artifact"
          value={query}
          onChange={event => setQuery(event.target.value)}
        />
        <select
          className="jp-Artifacts-type-filter"
          aria-label="Artifact type"
          value={type}
          onChange={event => setType(event.target.value)}
        >
          <option value="">All types</option>
          {types.map(t => (
            <option key={t.artifact_type} value={t.artifact_type}>
              {`${t.artifact_type} (${t.count})`}
            </option>
          ))}
          {type && !types.some(t => t.artifact_type === type) && (
            <option value={type}>{type}</option>
          )}
        </select>
      </div>
      <div className="jp-Artifacts-body" aria-busy={loading}>
        {error !== null && (
          <div className="jp-Artifacts-error" role="alert">
            {error}
          </div>
        )}
        {body}
        {nextCursor !== null && (
          <div ref={sentinel} className="jp-Artifacts-more">
            <button
              type="button"
              className="jp-Artifacts-load-more jp-Button jp-mod-styled"
              disabled={loading}
              onClick={() => loadPage(nextCursor)}
            >
              {loading ? 'Loading…' : 'Load more'}
            </button>
          </div>
        )}
      </div>
    </div>
  );
}

/** The artifact list as a widget; it follows live updates. */
class ArtifactsListWidget extends ReactWidget {
  constructor(private _options: ISidebarOptions) {
    super();
    this.addClass('jp-Artifacts-list-section');
    _options.live.changed.connect(this._onChange, this);
    _options.live.resync.connect(() => this.refresh(), this);
  }

  /** Reload the list (and the versions of open rows). */
  refresh(changed: ReadonlySet<string> = new Set()): void {
    window.clearTimeout(this._liveTimer);
    this._liveTimer = 0;
    this._changed = changed;
    this._refreshKey += 1;
    this.update();
  }

  dispose(): void {
    window.clearTimeout(this._liveTimer);
    Signal.clearData(this);
    super.dispose();
  }

  protected render(): JSX.Element {
    return (
      <ArtifactsPanel
        refreshKey={this._refreshKey}
        options={this._options}
        changedIds={this._changed}
      />
    );
  }

  /** A burst of changes becomes one reload, naming the artifacts that changed. */
  private _onChange(_: LiveUpdates, event: IChangeEvent): void {
    if (!LISTED_KINDS.has(event.kind)) {
      return;
    }
    if (event.artifact_id) {
      this._pending.add(event.artifact_id);
    }
    if (this._liveTimer === 0) {
      this._liveTimer = window.setTimeout(() => {
        const changed = this._pending;
        this._pending = new Set();
        // An empty set means "everything": never let a change without an id look like that.
        this.refresh(changed.size ? changed : new Set(['']));
      }, LIVE_DEBOUNCE_MS);
    }
  }

  private _refreshKey = 0;
  private _liveTimer = 0;
  private _pending = new Set<string>();
  private _changed: ReadonlySet<string> = new Set();
}

/** The left sidebar: artifacts above, chambers and then debates below. */
export class ArtifactsSidebar extends Panel {
  constructor(options: ISidebarOptions & IChambersOptions & IDebatesOptions) {
    super();
    this.addClass('jp-Artifacts-sidebar');
    this._list = new ArtifactsListWidget(options);
    this._chambers = new ChambersSection(options);
    this._debates = new DebatesSection(options);
    this.addWidget(this._list);
    this.addWidget(this._chambers);
    this.addWidget(this._debates);
  }

  refresh(): void {
    this._list.refresh();
    void this._chambers.load();
    void this._debates.load();
  }

  private _list: ArtifactsListWidget;
  private _chambers: ChambersSection;
  private _debates: DebatesSection;
}
