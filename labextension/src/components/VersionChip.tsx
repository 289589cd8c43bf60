/**
 * A version chip: a focusable button whose text is the version it names, and
 * which opens exactly that version (shared/UI.md), never the latest. A single
 * click (or Enter) opens it in the preview tab, a double click pins it.
 */
import React from 'react';

import { clickOpens, openAsChip } from '../preview';

export interface IVersionChipProps {
  artifactId: string;
  versionNumber: number;
  /** `vN` inside an artifact's row; `X@vN` elsewhere (the default). */
  short?: boolean;
  latest?: boolean;
  lifecycle?: string | null;
  /** Extra text for the tooltip (a title, a date): text only. */
  detail?: string;
  /** Shown before the ref, e.g. "🔗 " for a citation in a transcript. */
  prefix?: string;
  /** Extra class names (e.g. for inline citation chips). */
  className?: string;
  /** Opens the version when no views plugin set the chips' opener (see preview.ts). */
  onOpen: (ref: string) => void;
  /** A context menu (e.g. "Pull into chamber…"), with the chip's ref. */
  onContextMenu?: (ref: string, event: React.MouseEvent) => void;
}

export function VersionChip(props: IVersionChipProps): JSX.Element {
  const ref = `${props.artifactId}@v${props.versionNumber}`;
  const classes = ['jp-Artifacts-chip', ...(props.className ? [props.className] : [])];
  if (props.latest) {
    classes.push('jp-Artifacts-chip-latest');
  }
  if (props.lifecycle && props.lifecycle !== 'active') {
    classes.push(`jp-Artifacts-chip-${props.lifecycle}`);
  }
  const tooltip = [
    `Open ${ref}`,
    props.latest ? 'latest' : '',
    props.lifecycle && props.lifecycle !== 'active' ? props.lifecycle : '',
    props.detail ?? ''
  ]
    .filter(Boolean)
    .join(' · ');
  return (
    <button
      type="button"
      className={classes.join(' ')}
      data-ref={ref}
      title={tooltip}
      aria-label={`Open ${ref}${props.latest ? ' (latest)' : ''}`}
      onClick={event => clickOpens(event.detail) && openAsChip(ref, true, props.onOpen)}
      onDoubleClick={() => openAsChip(ref, false, props.onOpen)}
      onContextMenu={
        props.onContextMenu
          ? event => {
              event.preventDefault();
              props.onContextMenu!(ref, event);
            }
          : undefined
      }
    >
      <span className="jp-Artifacts-chip-label">
        {props.prefix ?? ''}
        {props.short ? `v${props.versionNumber}` : ref}
      </span>
      {props.latest && <span className="jp-Artifacts-chip-badge">latest</span>}
    </button>
  );
}
