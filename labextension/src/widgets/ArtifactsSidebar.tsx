import { ReactWidget } from '@jupyterlab/apputils';
import {
  caretDownIcon,
  caretRightIcon,
  refreshIcon
} from '@jupyterlab/ui-components';
import { Signal } from '@lumino/signaling';
import React, { useCallback, useEffect, useRef, useState } from 'react';

import { listArtifacts, listVersions, Version } from '../api';
import { IChangeEvent, LiveUpdates } from '../events';
import { ArtifactsAPIError } from '../request';

/** Changes that alter what the sidebar lists. */
const LISTED_KINDS: ReadonlySet<string> = new Set([
  'version',
  'tag',
  'lifecycle'
]);

/** Milliseconds over which live changes are gathered into one reload. */
const LIVE_DEBOUNCE_MS = 250;

/** Milliseconds of typing pause before the search is sent. */
const SEARCH_DEBOUNCE_MS = 300;

/** Page size of the artifact list. */
const PAGE_SIZE = 50;

/** The loaded versions of one expanded artifact. */
interface VersionsState {
  loading: boolean;
  versions: Version[] | null;
  error: string | null;
}

/** A sentence for the panel, never markup. */
export function describeError(error: unknown): string {
  if (error instanceof ArtifactsAPIError) {
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/** The list route takes no id: a 404 there means the route itself is missing. */
function describeListError(error: unknown): string {
  if (error instanceof ArtifactsAPIError && error.status === 404) {
    return (
      'The jupyter_artifacts server extension is not available on this ' +
      'server (GET api/artifacts answered 404).'
    );
  }
  return describeError(error);
}

function Tags(props: { tags: string[] }): JSX.Element | null {
  if (props.tags.length === 0) {
    return null;
  }
  return (
    <span className="jp-Artifacts-tags">
      {props.tags.map(tag => (
        <span key={tag} className="jp-Artifacts-tag" data-tag={tag}>
          {tag}
        </span>
      ))}
    </span>
  );
}

function VersionChip(props: {
  version: Version;
  latest: boolean;
}): JSX.Element {
  const { version, latest } = props;
  const ref = `${version.artifact_id}@v${version.version_number}`;
  const classes = ['jp-Artifacts-chip'];
  if (latest) {
    classes.push('jp-Artifacts-chip-latest');
  }
  if (version.lifecycle_state && version.lifecycle_state !== 'active') {
    classes.push(`jp-Artifacts-chip-${version.lifecycle_state}`);
  }
  const tooltip = [
    ref,
    version.title,
    version.created_at,
    version.lifecycle_state
  ]
    .filter(Boolean)
    .join(' · ');
  return (
    <li className={classes.join(' ')} data-ref={ref} title={tooltip}>
      <span className="jp-Artifacts-chip-label">v{version.version_number}</span>
      {latest && <span className="jp-Artifacts-chip-badge">latest</span>}
      <Tags tags={version.tags ?? []} />
    </li>
  );
}

function VersionChips(props: {
  state: VersionsState | undefined;
}): JSX.Element {
  const { state } = props;
  // While a reload runs, the chips already shown stay (no flicker on live updates).
  if (!state || (state.loading && state.versions === null)) {
    return (
      <div className="jp-Artifacts-versions-status">Loading versions…</div>
    );
  }
  if (state.error !== null) {
    return <div className="jp-Artifacts-error">{state.error}</div>;
  }
  const versions = state.versions ?? [];
  if (versions.length === 0) {
    return <div className="jp-Artifacts-versions-status">No versions.</div>;
  }
  const flagged = versions.some(v => v.is_latest);
  const highest = Math.max(...versions.map(v => v.version_number));
  return (
    <ul className="jp-Artifacts-chips">
      {versions.map(v => (
        <VersionChip
          key={v.id}
          version={v}
          latest={flagged ? v.is_latest : v.version_number === highest}
        />
      ))}
    </ul>
  );
}

function ArtifactRow(props: {
  artifact: Version;
  expanded: boolean;
  versions: VersionsState | undefined;
  onToggle: (id: string) => void;
}): JSX.Element {
  const { artifact, expanded, versions, onToggle } = props;
  const Caret = expanded ? caretDownIcon : caretRightIcon;
  return (
    <li
      className="jp-Artifacts-row"
      data-artifact-id={artifact.artifact_id}
      data-expanded={expanded ? 'true' : 'false'}
    >
      <button
        type="button"
        className="jp-Artifacts-row-header"
        aria-expanded={expanded}
        title={`${artifact.title}\n${artifact.artifact_id} · ${artifact.artifact_type} · latest v${artifact.version_number}`}
        onClick={() => onToggle(artifact.artifact_id)}
      >
        <Caret.react tag="span" className="jp-Artifacts-caret" />
        <span className="jp-Artifacts-row-text">
          <span className="jp-Artifacts-title">{artifact.title}</span>
          <span className="jp-Artifacts-meta">
            <span className="jp-Artifacts-type">{artifact.artifact_type}</span>
            <span className="jp-Artifacts-id">{artifact.artifact_id}</span>
          </span>
        </span>
      </button>
      {expanded && (
        <div className="jp-Artifacts-versions">
          <VersionChips state={versions} />
        </div>
      )}
    </li>
  );
}

/** The sidebar contents: search, list, per-artifact versions. */
export function ArtifactsPanel(props: { refreshKey: number }): JSX.Element {
  const [query, setQuery] = useState('');
  const [debouncedQuery, setDebouncedQuery] = useState('');
  const [items, setItems] = useState<Version[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const [versions, setVersions] = useState<Record<string, VersionsState>>({});
  const [localRefresh, setLocalRefresh] = useState(0);
  // Replies of superseded list requests are dropped.
  const generation = useRef(0);

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

  // (Re)load the first page whenever the search or a refresh asks for it.
  useEffect(() => {
    const current = ++generation.current;
    setLoading(true);
    setError(null);
    listArtifacts({ q: debouncedQuery, limit: PAGE_SIZE }).then(
      page => {
        if (current !== generation.current) {
          return;
        }
        setItems(page.items);
        setNextCursor(page.next_cursor);
        setLoading(false);
      },
      (reason: unknown) => {
        if (current !== generation.current) {
          return;
        }
        setItems([]);
        setNextCursor(null);
        setError(describeListError(reason));
        setLoading(false);
      }
    );
  }, [debouncedQuery, props.refreshKey, localRefresh]);

  // A refresh also reloads the versions of the rows left open (the others are
  // forgotten, so opening one loads it afresh).
  useEffect(() => {
    setVersions(old => {
      const kept: Record<string, VersionsState> = {};
      expanded.forEach(id => {
        if (old[id]) {
          kept[id] = old[id];
        }
      });
      return kept;
    });
    expanded.forEach(loadVersions);
  }, [props.refreshKey, localRefresh]);

  const loadMore = (): void => {
    if (nextCursor === null) {
      return;
    }
    const current = ++generation.current;
    setLoading(true);
    listArtifacts({
      q: debouncedQuery,
      limit: PAGE_SIZE,
      cursor: nextCursor
    }).then(
      page => {
        if (current !== generation.current) {
          return;
        }
        setItems(old => {
          const seen = new Set(old.map(v => v.artifact_id));
          return [...old, ...page.items.filter(v => !seen.has(v.artifact_id))];
        });
        setNextCursor(page.next_cursor);
        setLoading(false);
      },
      (reason: unknown) => {
        if (current !== generation.current) {
          return;
        }
        setError(describeListError(reason));
        setLoading(false);
      }
    );
  };

  const toggle = (artifactId: string): void => {
    const opening = !expanded.has(artifactId);
    const next = new Set(expanded);
    if (opening) {
      next.add(artifactId);
      const known = versions[artifactId];
      if (!known || known.error !== null) {
        loadVersions(artifactId);
      }
    } else {
      next.delete(artifactId);
    }
    setExpanded(next);
  };

  let body: JSX.Element | null = null;
  if (items.length > 0) {
    body = (
      <ul className="jp-Artifacts-list">
        {items.map(item => (
          <ArtifactRow
            key={item.artifact_id}
            artifact={item}
            expanded={expanded.has(item.artifact_id)}
            versions={versions[item.artifact_id]}
            onToggle={toggle}
          />
        ))}
      </ul>
    );
  } else if (error === null) {
    body = (
      <div className="jp-Artifacts-empty">
        {loading
          ? 'Loading artifacts…'
          : debouncedQuery
            ? 'No artifact matches this search.'
            : 'No artifacts yet.'}
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
          onClick={() => setLocalRefresh(n => n + 1)}
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
          value={query}
          onChange={event => setQuery(event.target.value)}
        />
      </div>
      <div className="jp-Artifacts-body">
        {error !== null && (
          <div className="jp-Artifacts-error" role="alert">
            {error}
          </div>
        )}
        {body}
        {nextCursor !== null && (
          <button
            type="button"
            className="jp-Artifacts-load-more jp-Button jp-mod-styled"
            disabled={loading}
            onClick={loadMore}
          >
            {loading ? 'Loading…' : 'Load more'}
          </button>
        )}
      </div>
    </div>
  );
}

/** The Lumino widget placed in the left sidebar; it follows live updates. */
export class ArtifactsSidebar extends ReactWidget {
  private _refreshKey = 0;
  private _liveTimer = 0;

  constructor(live: LiveUpdates) {
    super();
    this.addClass('jp-Artifacts-sidebar');
    live.changed.connect(this._onChange, this);
    live.resync.connect(this.refresh, this);
  }

  /** Reload the list (and the versions of open rows). */
  refresh(): void {
    window.clearTimeout(this._liveTimer);
    this._liveTimer = 0;
    this._refreshKey += 1;
    this.update();
  }

  dispose(): void {
    window.clearTimeout(this._liveTimer);
    Signal.clearData(this);
    super.dispose();
  }

  /** A burst of changes becomes one reload. */
  private _onChange(_: LiveUpdates, event: IChangeEvent): void {
    if (!LISTED_KINDS.has(event.kind) || this._liveTimer !== 0) {
      return;
    }
    this._liveTimer = window.setTimeout(
      () => this.refresh(),
      LIVE_DEBOUNCE_MS
    );
  }

  protected render(): JSX.Element {
    return <ArtifactsPanel refreshKey={this._refreshKey} />;
  }
}
