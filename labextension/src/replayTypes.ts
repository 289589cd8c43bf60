/**
 * The shapes of the replay routes (API.md "Replay"): a version re-executed in
 * a fresh kernel, its verdict per cell, and the diff of its outputs.
 */
import type * as nbformat from '@jupyterlab/nbformat';

import type { DiffSummary, IDiffEntry } from './types';

export type ReplayStatus = 'running' | 'reproduced' | 'differs' | 'failed' | 'timeout';

export type CellVerdict = 'same' | 'differs' | 'error' | 'skipped';

export interface ReplayCell {
  /** The cell's index in the notebook (0-based). */
  index: number;
  cell_id: string | null;
  verdict: CellVerdict;
  /** A short sentence, e.g. "image differs (pixels)", "raised ZeroDivisionError: division by zero". */
  detail?: string | null;
}

export interface ReplayCounts {
  code_cells: number;
  same: number;
  differs: number;
  error: number;
  skipped: number;
}

export interface Replay {
  replay_id: string;
  /** The version replayed, `X@vN`. */
  ref: string;
  notebook_id?: string;
  version_number?: number;
  status: ReplayStatus;
  cells: ReplayCell[];
  counts?: ReplayCounts | null;
  duration_ms?: number | null;
  kernel?: { name?: string | null; language?: string | null; language_version?: string | null } | null;
  environment?: {
    python?: string | null;
    packages_hash?: string | null;
    packages?: string[];
    source?: string | null;
  } | null;
  /** A sentence for a timeout or a failure of the kernel. */
  message?: string | null;
  /** Code cells run so far, while running. */
  progress?: { done: number; total: number } | null;
  timeout_s?: number | null;
  created_at: string;
  finished_at?: string | null;
  recorded_by?: string | null;
  created_by?: { actor_type: string; actor_id: string; recorded_by?: string | null } | null;
}

/** `GET api/notebooks/{id}/replays`: the newest replay of each version that has one. */
export interface LatestReplays {
  notebook_id: string;
  items: Replay[];
}

/** `POST .../replay` (202). */
export interface ReplayStarted {
  replay_id: string;
  status: 'running';
  href?: string;
}

/** `POST .../replay`'s body. */
export interface ReplayRequest {
  timeout_s?: number;
  kernel_name?: string;
}

/** `GET api/replays/{id}/diff`: the stored notebook (`base`) against its replayed outputs. */
export interface ReplayDiff {
  replay_id: string;
  ref: string;
  base: nbformat.INotebookContent;
  diff: IDiffEntry[];
  summary: DiffSummary;
}
