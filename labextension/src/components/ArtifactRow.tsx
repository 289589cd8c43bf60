/**
 * One artifact of the sidebar's list: its title, type, id, how and by whom its latest
 * version was made and when, its latest version's chip and, for a search hit, the
 * snippet that matched; expanded, every version's chip (newest first) with the same
 * line of scent and its tags. Server strings are text.
 */
import { caretDownIcon, caretRightIcon } from '@jupyterlab/ui-components';
import React from 'react';

import { Version } from '../api';
import type { ChipMenu } from '../chipmenu';
import { VersionScent } from './Scent';
import { Snippet } from './Snippet';
import { Tags } from './Tags';
import { VersionChip } from './VersionChip';

/** The versions of an expanded artifact, as loaded. */
export interface IVersionsState {
  loading: boolean;
  versions: Version[] | null;
  error: string | null;
}

function Chips(props: {
  state: IVersionsState | undefined;
  openVersion: (ref: string) => void;
  chipMenu: ChipMenu;
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
  const versions = [...(state.versions ?? [])].reverse(); // newest first
  if (versions.length === 0) {
    return <div className="jp-Artifacts-versions-status">No versions.</div>;
  }
  return (
    <ul className="jp-Artifacts-chips" aria-label="Versions, newest first">
      {versions.map(v => (
        <li key={v.id} className="jp-Artifacts-chip-item">
          <div className="jp-Artifacts-chip-line">
            <VersionChip
              artifactId={v.artifact_id}
              versionNumber={v.version_number}
              short
              latest={v.is_latest}
              lifecycle={v.lifecycle_state}
              detail={v.title}
              onOpen={props.openVersion}
              onContextMenu={props.chipMenu}
            />
            <VersionScent version={v} />
          </div>
          {(v.tags ?? []).length > 0 && (
            <div className="jp-Artifacts-chip-tags">
              <Tags tags={v.tags} />
            </div>
          )}
        </li>
      ))}
    </ul>
  );
}

export function ArtifactRow(props: {
  artifact: Version;
  expanded: boolean;
  versions: IVersionsState | undefined;
  onToggle: (id: string) => void;
  openVersion: (ref: string) => void;
  chipMenu: ChipMenu;
}): JSX.Element {
  const { artifact, expanded } = props;
  const Caret = expanded ? caretDownIcon : caretRightIcon;
  return (
    <li
      className="jp-Artifacts-row"
      data-artifact-id={artifact.artifact_id}
      data-expanded={expanded ? 'true' : 'false'}
    >
      <div className="jp-Artifacts-row-line">
        <button
          type="button"
          className="jp-Artifacts-row-header"
          aria-expanded={expanded}
          title={`${artifact.title}\n${artifact.artifact_id} · ${artifact.artifact_type} · latest v${artifact.version_number}`}
          onClick={() => props.onToggle(artifact.artifact_id)}
        >
          <Caret.react tag="span" className="jp-Artifacts-caret" />
          <span className="jp-Artifacts-title" title={artifact.title}>
            {artifact.title}
          </span>
        </button>
        <span className="jp-Artifacts-row-latest">
          <VersionChip
            artifactId={artifact.artifact_id}
            versionNumber={artifact.version_number}
            short
            latest
            lifecycle={artifact.lifecycle_state}
            detail={artifact.title}
            onOpen={props.openVersion}
            onContextMenu={props.chipMenu}
          />
        </span>
      </div>
      {/* Below the title line, so that it has the row's whole width (not the chip's column). */}
      <div className="jp-Artifacts-row-details">
        <span className="jp-Artifacts-meta">
          <span className="jp-Artifacts-type" title={artifact.artifact_type}>
            {artifact.artifact_type}
          </span>
          <span className="jp-Artifacts-id" title={artifact.artifact_id}>
            {artifact.artifact_id}
          </span>
        </span>
        <VersionScent version={artifact} className="jp-Artifacts-row-scent" />
        <Snippet match={artifact.match} />
      </div>
      {!expanded && (artifact.tags ?? []).length > 0 && (
        <div className="jp-Artifacts-row-tags">
          <Tags tags={artifact.tags} />
        </div>
      )}
      {expanded && (
        <div className="jp-Artifacts-versions">
          <Chips
            state={props.versions}
            openVersion={props.openVersion}
            chipMenu={props.chipMenu}
          />
        </div>
      )}
    </li>
  );
}
