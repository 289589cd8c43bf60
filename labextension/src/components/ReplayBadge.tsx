/**
 * A version's latest replay as a badge ("Reproduced ✓ 12 s ago · Python 3.11",
 * "Differs in 3 of 40 cells", "Replaying… 5 of 40" with a progress bar), its
 * details in the tooltip; when something came out otherwise, a click opens
 * nbdime's diff of the stored outputs against the replayed ones. Also: the
 * version view's Replay button beside it, and a version chip whose tooltip
 * carries the verdict (debate transcripts). Text only, never HTML.
 */
import React, { useEffect, useState } from 'react';

import type { Replay } from '../api';
import type { ReplayStore } from '../replays';
import { chipDetail, hasDiff, verdictLabel, verdictTooltip } from '../replayText';
import { CommandIDs } from '../tokens';
import type { IViewServices } from '../widgets/services';
import { IVersionChipProps, VersionChip } from './VersionChip';

/**
 * The latest replay of `id@vN` (undefined while loading, null if none), re-rendered as it changes;
 * no store: not a notebook (nothing to ask).
 */
export function useLatestReplay(store: ReplayStore | null, artifactId: string, n: number): Replay | null | undefined {
  const [, setTick] = useState(0);
  useEffect(() => {
    if (store === null) {
      return;
    }
    const onChanged = (_: unknown, id: string) => id === artifactId && setTick(t => t + 1);
    store.changed.connect(onChanged);
    void store.ensure(artifactId).then(() => setTick(t => t + 1));
    return () => {
      store.changed.disconnect(onChanged);
    };
  }, [store, artifactId]);
  return store === null ? null : store.latest(artifactId, n);
}

/** The time now, moving on every second while `iso` is under a minute old ("12 s ago"), then every 30 s. */
function useNow(iso: string | null): number {
  const [now, setNow] = useState(() => Date.now());
  const fresh = iso !== null && now - Date.parse(iso) < 60_000;
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), fresh ? 1000 : 30_000);
    return () => window.clearInterval(timer);
  }, [fresh]);
  return now;
}

export interface IReplayBadgeProps {
  /** undefined: still loading; null: never replayed. */
  replay: Replay | null | undefined;
  /** Open the diff of stored and replayed outputs (the badge is then a button when there is one). */
  onOpenDiff?: (replay: Replay) => void;
  /** In a table's cell: the language only in the tooltip. */
  compact?: boolean;
}

export function ReplayBadge(props: IReplayBadgeProps): JSX.Element {
  const r = props.replay;
  const now = useNow(r ? r.finished_at ?? r.created_at : null);
  if (r === undefined) {
    return <span className="jp-Artifacts-replay-badge jp-mod-loading" data-status="loading">Replay: …</span>;
  }
  const status = r?.status ?? 'none';
  const label = verdictLabel(r, now, props.compact);
  const className = `jp-Artifacts-replay-badge jp-mod-${status}`;
  const progress = r?.status === 'running' && r.progress && r.progress.total > 0 ? r.progress : null;
  const common = { className, 'data-status': status, 'data-replay-id': r?.replay_id };
  const content = (
    <>
      <span className="jp-Artifacts-replay-label">{label}</span>
      {progress && (
        <span className="jp-Artifacts-replay-progress" role="progressbar" aria-label={`Replay of ${r!.ref}`}
          aria-valuemin={0} aria-valuemax={progress.total} aria-valuenow={progress.done}>
          <span style={{ width: `${Math.round((100 * progress.done) / progress.total)}%` }} />
        </span>
      )}
    </>
  );
  const onOpenDiff = props.onOpenDiff;
  if (r !== null && hasDiff(r) && onOpenDiff) {
    return (
      <button type="button" {...common} title={`${verdictTooltip(r, now)}\nClick: the stored outputs against the replayed ones (nbdime)`}
        onClick={() => onOpenDiff(r)}>
        {content}
      </button>
    );
  }
  return <span {...common} title={verdictTooltip(r, now)}>{content}</span>;
}

/** Open the diff of a replay's outputs (the command, so a click does what the palette does). */
export function openReplayDiff(services: IViewServices, r: Replay): void {
  void services.commands.execute(CommandIDs.openReplayDiff, { replay_id: r.replay_id, ref: r.ref }).catch(() => undefined);
}

/** The latest verdict of `id@vN` (a history row's), a click away from its diff. */
export function LatestReplayBadge(props: { artifactId: string; versionNumber: number; services: IViewServices }): JSX.Element {
  const r = useLatestReplay(props.services.replays, props.artifactId, props.versionNumber);
  return <ReplayBadge replay={r} compact onOpenDiff={x => openReplayDiff(props.services, x)} />;
}

/** The version view's row: the latest verdict, and the Replay button (disabled while one runs). */
export function ReplayControls(props: { artifactId: string; versionNumber: number; services: IViewServices }): JSX.Element {
  const { services } = props;
  const ref = `${props.artifactId}@v${props.versionNumber}`;
  const r = useLatestReplay(services.replays, props.artifactId, props.versionNumber);
  const [starting, setStarting] = useState(false);
  const busy = starting || r?.status === 'running';
  const replay = () => {
    setStarting(true);
    // The command says what went wrong (one notification); the badge shows the verdict.
    void services.commands.execute(CommandIDs.replayVersion, { ref })
      .catch(() => undefined)
      .then(() => setStarting(false));
  };
  return (
    <span className="jp-Artifacts-replay" data-ref={ref}>
      <ReplayBadge replay={r} onOpenDiff={x => openReplayDiff(services, x)} />
      <button type="button" className="jp-Button jp-mod-styled jp-Artifacts-action jp-Artifacts-replay-button"
        data-command={CommandIDs.replayVersion} disabled={busy || !services.commands.hasCommand(CommandIDs.replayVersion)}
        title={`Re-execute every code cell of ${ref} in a fresh kernel and compare the outputs with the stored ones`}
        onClick={replay}>
        {busy ? 'Replaying…' : 'Replay'}
      </button>
    </span>
  );
}

/** A version chip whose tooltip also says the version's latest replay verdict (`replays` null: not a notebook). */
export function ReplayVersionChip(props: IVersionChipProps & { replays: ReplayStore | null }): JSX.Element {
  const { replays, ...chip } = props;
  const r = useLatestReplay(replays, props.artifactId, props.versionNumber);
  const verdict = replays !== null && r === null ? 'Replay: not replayed yet' : chipDetail(r, Date.now());
  const detail = [props.detail, verdict].filter(Boolean).join(' · ') || undefined;
  return <VersionChip {...chip} detail={detail} />;
}
