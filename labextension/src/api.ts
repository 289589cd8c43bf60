/**
 * One typed function per REST route the plugin uses (API.md), over the one
 * `requestAPI`.
 */
import type * as nbformat from '@jupyterlab/nbformat';

import { requestAPI } from './request';
import { STATUS_ENDPOINT } from './tokens';

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

export interface NotebookDiff {
  notebook_id: string;
  from: number;
  to: number;
  base: nbformat.INotebookContent;
  diff: IDiffEntry[];
  summary: {
    added: number[];
    removed: number[];
    modified: number[];
    unchanged_count: number;
  };
}

export interface NotebookInfo {
  notebook_id: string;
  title: string;
  latest_version: number;
  version_count: number;
  content_hash: string | null;
  cell_count: number;
}

export interface RegisterNotebookRequest {
  id?: string;
  title?: string;
  notebook?: nbformat.INotebookContent;
  path?: string;
}

export interface Registered {
  notebook_id: string;
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
}

export interface Execution {
  status: 'not_requested' | 'ok' | 'error' | 'timeout' | 'kernel_error';
  duration_ms?: number;
  ename?: string;
  evalue?: string;
}

export interface Appended {
  notebook_id: string;
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

/** `?a=1&b=2` of the defined, non-empty values. */
export function queryString(
  params: Record<string, string | number | boolean | undefined | null>
): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') {
      search.set(key, String(value));
    }
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** A path segment: ids and refs may hold `@`, `:` and `.`, never `/`. */
function seg(value: string | number): string {
  return encodeURIComponent(String(value));
}

function post<T>(endPoint: string, body: unknown): Promise<T> {
  return requestAPI<T>(endPoint, {
    method: 'POST',
    body: JSON.stringify(body)
  });
}

/** `GET api/artifacts`: the latest version of each matching artifact. */
export function listArtifacts(
  options: ListArtifactsOptions = {}
): Promise<Page<Version>> {
  const query = queryString({
    q: options.q?.trim(),
    type: options.type,
    tag: options.tag,
    limit: options.limit,
    cursor: options.cursor ?? undefined
  });
  return requestAPI<Page<Version>>(`api/artifacts${query}`);
}

/** `GET api/artifact-types`: the types of the latest versions, most common first. */
export function listArtifactTypes(): Promise<{ types: ArtifactTypeCount[] }> {
  return requestAPI<{ types: ArtifactTypeCount[] }>('api/artifact-types');
}

/** `GET api/artifacts/{ref}`: exactly that version (a bare id: the latest), with content. */
export function getVersion(ref: string): Promise<Version> {
  return requestAPI<Version>(`api/artifacts/${seg(ref)}`);
}

/** `GET api/artifacts/{id}/versions`: every version, oldest first. */
export function listVersions(artifactId: string): Promise<VersionList> {
  return requestAPI<VersionList>(`api/artifacts/${seg(artifactId)}/versions`);
}

/** `GET api/artifacts/{id}/diff`: the fields that differ between two versions. */
export function diffArtifact(
  artifactId: string,
  from?: number,
  to?: number
): Promise<FieldDiff> {
  return requestAPI<FieldDiff>(
    `api/artifacts/${seg(artifactId)}/diff${queryString({ from, to })}`
  );
}

/** `GET api/artifacts/{ref}/lineage`. */
export function getLineage(
  ref: string,
  options: { direction?: LineageDirection; max_depth?: number } = {}
): Promise<LineageGraph> {
  return requestAPI<LineageGraph>(
    `api/artifacts/${seg(ref)}/lineage${queryString({
      direction: options.direction,
      max_depth: options.max_depth
    })}`
  );
}

/** `GET api/notebooks/{id}`. */
export function getNotebookInfo(notebookId: string): Promise<NotebookInfo> {
  return requestAPI<NotebookInfo>(`api/notebooks/${seg(notebookId)}`);
}

/** `GET api/notebooks/{id}/versions/{N}?format=json`: the notebook of version N. */
export function getNotebookVersion(
  notebookId: string,
  n: number
): Promise<nbformat.INotebookContent> {
  return requestAPI<nbformat.INotebookContent>(
    `api/notebooks/${seg(notebookId)}/versions/${seg(n)}${queryString({
      format: 'json'
    })}`
  );
}

/** `GET api/notebooks/{id}/diff`: nbdime's diff with its base and a summary. */
export function diffNotebook(
  notebookId: string,
  from?: number,
  to?: number
): Promise<NotebookDiff> {
  return requestAPI<NotebookDiff>(
    `api/notebooks/${seg(notebookId)}/diff${queryString({ from, to })}`
  );
}

/** `POST api/notebooks`: register version 1. */
export function registerNotebook(
  body: RegisterNotebookRequest
): Promise<Registered> {
  return post<Registered>('api/notebooks', body);
}

/** `POST api/notebooks/{id}/cells`: append a cell as the next version. */
export function appendCell(
  notebookId: string,
  body: AppendCellRequest
): Promise<Appended> {
  return post<Appended>(`api/notebooks/${seg(notebookId)}/cells`, body);
}

/** `GET api/chambers`. */
export function listChambers(
  options: { status?: 'open' | 'closed'; purpose?: string; limit?: number } = {}
): Promise<Page<ChamberSummary>> {
  return requestAPI<Page<ChamberSummary>>(
    `api/chambers${queryString(options)}`
  );
}

/** `GET api/jupyter_artifacts/status`: server extension and database health. */
export function getStatus(): Promise<ServiceStatus> {
  return requestAPI<ServiceStatus>(STATUS_ENDPOINT);
}
