/**
 * One typed function per REST route the plugin uses (API.md), over the one
 * `requestAPI`. The shapes are in types.ts (re-exported here).
 */
import type * as nbformat from '@jupyterlab/nbformat';

import { requestAPI, requestAPIReply } from './request';
import { STATUS_ENDPOINT } from './tokens';
import type {
  AppendCellRequest,
  Appended,
  ArtifactTypeCount,
  Chamber,
  ChamberSummary,
  Committed,
  CommitRequest,
  DebateArtifacts,
  FieldDiff,
  ForkRequest,
  LineageDirection,
  LineageGraph,
  ListArtifactsOptions,
  MergeOutcome,
  MergeRequest,
  NotebookDiff,
  NotebookInfo,
  Page,
  Purpose,
  PullEntry,
  Registered,
  RegisterNotebookRequest,
  ResultArtifact,
  ServiceStatus,
  Session,
  SplitRequest,
  Version,
  VersionList
} from './types';
import type { LatestReplays, Replay, ReplayDiff, ReplayRequest, ReplayStarted } from './replayTypes';

export * from './types';
export * from './replayTypes';

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

/** A write whose 200 (nothing created) and 201 (created) differ. */
export interface IWriteReply<T> {
  created: boolean;
  version: T;
}

async function postReply<T>(endPoint: string, body: unknown): Promise<IWriteReply<T>> {
  const reply = await requestAPIReply<T>(endPoint, { method: 'POST', body: JSON.stringify(body) });
  return { created: reply.status === 201, version: reply.body };
}

/** `POST api/notebooks/{id}/diff`: nbdime's diff of version `from` (default latest) against an unsaved copy. */
export function diffNotebookCopy(
  notebookId: string,
  notebook: nbformat.INotebookContent,
  from?: number
): Promise<NotebookDiff> {
  return post<NotebookDiff>(`api/notebooks/${seg(notebookId)}/diff`, { notebook, from });
}

/** `POST api/notebooks/{id}/versions`: commit an edited notebook (200: it equals the head, nothing made). */
export function commitNotebook(
  notebookId: string,
  body: CommitRequest
): Promise<IWriteReply<Committed>> {
  return postReply<Committed>(`api/notebooks/${seg(notebookId)}/versions`, body);
}

/** `POST api/artifacts/{ref}/fork`: version 1 of a new artifact. */
export function forkArtifact(ref: string, body: ForkRequest = {}): Promise<Version> {
  return post<Version>(`api/artifacts/${seg(ref)}/fork`, body);
}

/**
 * `POST api/notebooks/{id}/merge` (200: `other` is already in the head). A conflict is
 * an ArtifactsAPIError with reason `merge_conflict` whose `body` is a MergeOutcome.
 */
export function mergeNotebook(
  notebookId: string,
  body: MergeRequest
): Promise<IWriteReply<Committed>> {
  return postReply<Committed>(`api/notebooks/${seg(notebookId)}/merge`, body);
}

/** `POST api/notebooks/{id}/merge-preview`: what merging `other`, or an edited copy made from `base`, into the head gives. */
export function mergePreview(
  notebookId: string,
  body: { other: string } | { notebook: nbformat.INotebookContent; base: string }
): Promise<MergeOutcome> {
  return post<MergeOutcome>(`api/notebooks/${seg(notebookId)}/merge-preview`, body);
}

/** `POST api/notebooks/{id}/split`: chosen cells of a version become version 1 of a new notebook. */
export function splitNotebook(notebookId: string, body: SplitRequest): Promise<Version> {
  return post<Version>(`api/notebooks/${seg(notebookId)}/split`, body);
}

/** `POST api/notebooks/{id}/versions/{N}/replay` (202): re-execute exactly that version in a fresh kernel. */
export function startReplay(notebookId: string, n: number, body: ReplayRequest = {}): Promise<ReplayStarted> {
  return post<ReplayStarted>(`api/notebooks/${seg(notebookId)}/versions/${seg(n)}/replay`, body);
}

/** `GET api/replays/{id}`: the replay, running or with its verdict. */
export function getReplay(replayId: string): Promise<Replay> {
  return requestAPI<Replay>(`api/replays/${seg(replayId)}`);
}

/** `GET api/notebooks/{id}/versions/{N}/replays`: that version's replays, newest first. */
export function listVersionReplays(
  notebookId: string,
  n: number,
  options: { limit?: number; cursor?: string | null } = {}
): Promise<Page<Replay>> {
  return requestAPI<Page<Replay>>(
    `api/notebooks/${seg(notebookId)}/versions/${seg(n)}/replays${queryString({
      limit: options.limit,
      cursor: options.cursor ?? undefined
    })}`
  );
}

/** `GET api/notebooks/{id}/replays`: the latest replay of each version. */
export function listLatestReplays(notebookId: string): Promise<LatestReplays> {
  return requestAPI<LatestReplays>(`api/notebooks/${seg(notebookId)}/replays`);
}

/** `GET api/replays/{id}/diff`: nbdime's diff of the stored outputs against the replayed ones. */
export function getReplayDiff(replayId: string): Promise<ReplayDiff> {
  return requestAPI<ReplayDiff>(`api/replays/${seg(replayId)}/diff`);
}

/** `GET api/chambers`. */
export function listChambers(
  options: { status?: 'open' | 'closed'; purpose?: string; limit?: number } = {}
): Promise<Page<ChamberSummary>> {
  return requestAPI<Page<ChamberSummary>>(
    `api/chambers${queryString(options)}`
  );
}

/** `POST api/chambers`: open a chamber. */
export function createChamber(body: {
  name: string;
  purpose: Purpose;
}): Promise<Chamber> {
  return post<Chamber>('api/chambers', body);
}

/** `GET api/chambers/{id}`: the chamber with its pins. */
export function getChamber(id: string): Promise<Chamber> {
  return requestAPI<Chamber>(`api/chambers/${seg(id)}`);
}

/** `POST api/chambers/{id}/pull`: pin exact versions, all or nothing. */
export function pullIntoChamber(
  id: string,
  entries: PullEntry[]
): Promise<Chamber> {
  return post<Chamber>(`api/chambers/${seg(id)}/pull`, entries);
}

/** `POST api/chambers/{id}/close`: close (optionally with a result artifact) and take the provenance hash. */
export function closeChamber(
  id: string,
  result?: ResultArtifact
): Promise<Chamber> {
  return post<Chamber>(
    `api/chambers/${seg(id)}/close`,
    result ? { result } : {}
  );
}

/** `POST api/personas/{id}/workspace`: the persona's open workspace, opened if there is none. */
export function openPersonaWorkspace(personaId: string): Promise<Chamber> {
  return post<Chamber>(`api/personas/${seg(personaId)}/workspace`, {});
}

/** `GET api/debates`: sessions, newest first. */
export function listDebates(
  options: {
    status?: 'open' | 'closed';
    target?: string;
    limit?: number;
    cursor?: string | null;
  } = {}
): Promise<Page<Session>> {
  return requestAPI<Page<Session>>(
    `api/debates${queryString({ ...options, cursor: options.cursor ?? undefined })}`
  );
}

/** `GET api/debates/{id}`: the session with its rounds. */
export function getDebate(id: string): Promise<Session> {
  return requestAPI<Session>(`api/debates/${seg(id)}`);
}

/** `GET api/debates/{id}/artifacts`: every version the debate pinned, pulled or cited. */
export function getDebateArtifacts(id: string): Promise<DebateArtifacts> {
  return requestAPI<DebateArtifacts>(`api/debates/${seg(id)}/artifacts`);
}

/** `GET api/jupyter_artifacts/status`: server extension and database health. */
export function getStatus(): Promise<ServiceStatus> {
  return requestAPI<ServiceStatus>(STATUS_ENDPOINT);
}
