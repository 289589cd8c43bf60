/**
 * One typed function per REST route used by the plugin (see API.md).
 */
import { requestAPI } from './request';
import { STATUS_ENDPOINT } from './tokens';

/** Who made a version. `recorded_by` is the authenticated Jupyter user. */
export interface Actor {
  actor_type: string;
  actor_id: string | null;
  recorded_by: string | null;
}

export type LifecycleState =
  'active' | 'deprecated' | 'superseded' | 'retracted';

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
  content_hash: string;
  is_latest: boolean;
  version_tag: string | null;
  tags: string[];
  changelog: string | null;
  lifecycle_state: LifecycleState | string;
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
  /** Free-text search. */
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

export interface ServiceStatus {
  version: string;
  database: {
    ok: boolean;
    server_version: string | null;
    schema_version: number | string | null;
    embedded: boolean;
  };
}

function queryString(
  params: Record<string, string | number | undefined>
): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') {
      search.set(key, String(value));
    }
  }
  const text = search.toString();
  return text ? `?${text}` : '';
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
  return requestAPI<Page<Version>>(`api/artifacts${query}`, { method: 'GET' });
}

/** `GET api/artifacts/{id}/versions`: every version, oldest first. */
export function listVersions(artifactId: string): Promise<VersionList> {
  return requestAPI<VersionList>(
    `api/artifacts/${encodeURIComponent(artifactId)}/versions`,
    { method: 'GET' }
  );
}

/** `GET api/jupyter_artifacts/status`: server extension and database health. */
export function getStatus(): Promise<ServiceStatus> {
  return requestAPI<ServiceStatus>(STATUS_ENDPOINT, { method: 'GET' });
}
