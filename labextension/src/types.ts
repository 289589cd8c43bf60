/**
 * The shapes of the REST API's requests and replies (API.md), as the plugin reads them.
 */
import type * as nbformat from '@jupyterlab/nbformat';

/** Who made a version. `recorded_by` is the authenticated principal. */
export interface Actor {
  actor_type: string;
  actor_id: string | null;
  recorded_by: string | null;
}

export type LifecycleState =
  | 'active'
  | 'deprecated'
  | 'superseded'
  | 'retracted';

/** The version object returned by every artifact route. */
export interface Version {
  /** `<artifact_id>@v<N>` */
  ref: string;
  /** The version's own row id. */
  id: string;
  artifact_id: string;
  artifact_type: string;
  title: string;
  version_number: number;
  parent_version_id: string | null;
  /** The parent's `X@vN` (null for v1). */
  parent_ref?: string | null;
  content_hash: string | null;
  is_latest: boolean;
  version_tag: string | null;
  tags: string[];
  changelog: string | null;
  lifecycle_state: LifecycleState | string | null;
  deprecated_at: string | null;
  superseded_by: string | null;
  metadata: Record<string, unknown>;
  created_at: string;
  created_by: Actor;
  /** Only where the route includes it. */
  content?: unknown;
  /** The processing step that made this version (a merge's first; null for a v1 that was
   * registered, not forked or split). */
  step?: MadeBy | null;
  /** With `q` on the list route: why the item matched. */
  match?: SearchMatch;
}

/** How a version came to be, as a row shows it ("cell append · differential-expression"). */
export interface MadeBy {
  step_type: string;
  method: string | null;
}

/** API.md `match`: a short text around the best match; `ranges` are code-point offsets of
 * the matched words in `snippet`. */
export interface SearchMatch {
  field: 'id' | 'title' | 'content' | 'cell';
  cell_index?: number;
  snippet: string;
  ranges: [number, number][];
}

/** A page of a list route. */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface ListArtifactsOptions {
  /** Text search over ids, titles, content and notebook cell sources. */
  q?: string;
  /** Only this artifact_type. */
  type?: string;
  /** Only artifacts carrying this tag. */
  tag?: string;
  /** Page size (server default 50, max 500). */
  limit?: number;
  /** `next_cursor` of the previous page. */
  cursor?: string | null;
}

export interface VersionList {
  artifact_id: string;
  /** Oldest first. */
  versions: Version[];
  total_versions: number;
}

export interface ArtifactTypeCount {
  artifact_type: string;
  count: number;
}

export interface FieldDiff {
  artifact_id: string;
  from: number;
  to: number;
  from_ref: string;
  to_ref: string;
  content_changed: boolean;
  fields: Record<string, { old: unknown; new: unknown }>;
}

/** One entry of an nbdime diff (nbdime's diff format). */
export interface IDiffEntry {
  op: 'add' | 'remove' | 'replace' | 'patch' | 'addrange' | 'removerange';
  key: string | number;
  value?: unknown;
  valuelist?: unknown[];
  length?: number;
  diff?: IDiffEntry[];
}

/** Which cells changed: `added`/`modified` index the new side, `removed` the old one. */
export interface DiffSummary {
  added: number[];
  removed: number[];
  modified: number[];
  unchanged_count: number;
}

export interface NotebookDiff {
  notebook_id: string;
  from: number;
  /** The later version; null for an unsaved copy (`POST .../diff`). */
  to: number | null;
  base: nbformat.INotebookContent;
  diff: IDiffEntry[];
  summary: DiffSummary;
}

/** `POST .../versions` (commit) and `POST .../merge`: the version made (201) or the unchanged head (200). */
export interface Committed extends Version {
  summary: DiffSummary;
}

export interface CommitRequest {
  notebook?: nbformat.INotebookContent;
  path?: string;
  parent_version?: number;
  method?: string;
  parameters?: Record<string, unknown>;
  rationale?: string;
  chamber_id?: string;
  agent_id?: string;
}

export interface ForkRequest {
  from?: string;
  new_id?: string;
  title?: string;
  rationale?: string;
}

export interface SplitRequest {
  cells: number[];
  from?: string;
  new_id?: string;
  title?: string;
  rationale?: string;
}

export interface MergeRequest {
  other: string;
  base?: string;
  parent_version?: number;
  resolved?: nbformat.INotebookContent;
  rationale?: string;
}

/** nbdime's three-way merge (merge-preview's reply; a 409 `merge_conflict` carries the same fields). */
export interface MergeOutcome {
  base_ref: string;
  /** The head: a resolution is stored on it (`parent_version`). */
  local_ref: string;
  /** The version merged in; null for an edited copy. */
  remote_ref: string | null;
  base: nbformat.INotebookContent;
  local: nbformat.INotebookContent;
  remote: nbformat.INotebookContent;
  /** nbdime's decisions, as its NotebookMergeModel takes them with `base`. */
  merge_decisions: unknown[];
  conflicts: number;
  /** Only without conflicts. */
  merged?: nbformat.INotebookContent | null;
}

export interface NotebookInfo {
  notebook_id: string;
  title: string;
  latest_version: number;
  version_count: number;
  content_hash: string | null;
  cell_count: number;
  /** The latest version's reference. */
  latest_ref: string;
}

export interface RegisterNotebookRequest {
  id?: string;
  title?: string;
  notebook?: nbformat.INotebookContent;
  path?: string;
}

export interface Registered {
  notebook_id: string;
  /** Version 1's reference, `<notebook_id>@v1`. */
  ref: string;
  version_number: number;
  content_hash: string;
  cell_count: number;
}

export interface AppendCellRequest {
  source: string;
  cell_type?: 'code' | 'markdown' | 'raw';
  execute?: boolean;
  method?: string;
  parameters?: Record<string, unknown>;
  rationale?: string;
  parent_version?: number;
  chamber_id?: string;
  idempotency_key?: string;
  /** The cell's id in the open notebook, so that a later commit keeps it as the same cell. */
  cell_id?: string;
}

export interface Execution {
  status: 'not_requested' | 'ok' | 'error' | 'timeout' | 'kernel_error';
  duration_ms?: number;
  ename?: string;
  evalue?: string;
}

export interface Appended {
  notebook_id: string;
  /** The new version's reference (also `new_ref`); `parent_ref` the version appended to. */
  ref: string;
  new_ref: string;
  parent_ref: string;
  new_artifact_id: string;
  parent_artifact_id: string;
  version_number: number;
  content_hash: string;
  cell_index: number;
  cell_id: string;
  cell_type: string;
  outputs: nbformat.IOutput[];
  execution: Execution;
  processing_step_id: string;
}

export interface LineageNode {
  ref: string;
  artifact_id: string;
  version_number: number;
  artifact_type: string | null;
  title: string | null;
  content_hash: string | null;
  is_latest: boolean | null;
}

export interface LineageEdge {
  id: string;
  source: string;
  target: string;
  step_type: string;
  actor_type: string;
  actor_id: string | null;
  recorded_by: string | null;
  method: string | null;
  parameters: Record<string, unknown>;
  chamber_id: string | null;
  created_at: string;
}

export interface LineageGraph {
  root: string;
  direction: string;
  nodes: LineageNode[];
  edges: LineageEdge[];
  depth_reached: number;
  truncated: boolean;
}

export type LineageDirection = 'ancestors' | 'descendants' | 'both';

export interface ChamberSummary {
  id: string;
  name: string;
  purpose: string;
  owner_actor_type: string | null;
  owner_actor_id: string | null;
  created_at: string;
  closed_at: string | null;
  provenance_hash: string | null;
  pin_count: number;
}

export type Role = 'input' | 'reference' | 'workbench';
export type Purpose =
  'debate' | 'experiment_design' | 'persona_workspace' | 'showcase_review';

/** A pinned version of a chamber. */
export interface Pin {
  artifact_id: string;
  version_number: number;
  ref: string;
  content_hash: string | null;
  role: Role | string;
  added_at: string;
  added_by_actor_type: string | null;
  added_by_actor_id: string | null;
  artifact_type: string | null;
  title: string | null;
}

export interface Chamber {
  id: string;
  name: string;
  purpose: Purpose | string;
  owner_actor_type: string | null;
  owner_actor_id: string | null;
  parent_session_id: string | null;
  created_at: string;
  closed_at: string | null;
  provenance_hash: string | null;
  result_artifact_id: string | null;
  artifacts: Pin[];
}

export interface PullEntry {
  artifact_id: string;
  version_number?: number;
  role?: Role;
}

export interface ResultArtifact {
  artifact_type: string;
  title: string;
  content?: unknown;
  metadata?: Record<string, unknown>;
}

/** A version a round cited: `cited_at_offset_chars` counts characters (code points), -1 for evidence. */
export interface Reference {
  artifact_id: string;
  version_number: number;
  content_hash: string | null;
  role: 'input' | 'output' | 'evidence';
  cited_at_offset_chars: number;
}

export interface Round {
  session_id: string;
  round_number: number;
  actor_type: string | null;
  actor_id: string | null;
  prompt: string | null;
  content: string | null;
  referenced_artifacts: Reference[];
  created_at: string;
}

export interface Session {
  id: string;
  target_artifact_id: string | null;
  target_artifact_version: number | null;
  target_content_hash: string | null;
  topic: string | null;
  debate_type: string | null;
  num_rounds: number;
  started_at: string;
  closed_at: string | null;
  verdict: string | null;
  chamber_id: string | null;
  chamber_provenance_hash: string | null;
  pinning_note: string | null;
  rounds?: Round[] | null;
}

export interface DebateArtifact {
  ref: string;
  artifact_id: string;
  version_number: number;
  content_hash: string | null;
  role: string;
  sources: string[];
  artifact_type: string | null;
  title: string | null;
}

export interface DebateArtifacts {
  session_id: string;
  chamber_id: string | null;
  chamber_provenance_hash: string | null;
  artifacts: DebateArtifact[];
}

export interface ServiceStatus {
  version: string;
  database: {
    ok: boolean;
    server_version: string | null;
    schema_version: number | string | null;
    embedded: boolean;
    error?: string | null;
  };
  live?: {
    enabled: boolean;
    listening: boolean;
    announcements: number;
    events: number;
  } | null;
}
