import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/**
 * The one error type of every REST call of this package.
 *
 * The server replies to every failure with `{"message", "reason"}`; a reply
 * without that body (a proxy page, a missing server extension) still becomes
 * this error, with `reason` guessed from the status. A network failure has
 * status 0 and reason `network`.
 */
export class ArtifactsAPIError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reason: string,
    readonly body: unknown = null
  ) {
    super(message);
    this.name = 'ArtifactsAPIError';
  }

  /** True when the server answered 404 for the route itself or for an id. */
  get isNotFound(): boolean {
    return this.status === 404;
  }
}

function reasonForStatus(status: number): string {
  switch (status) {
    case 400:
      return 'invalid';
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 409:
      return 'conflict';
    case 414:
    case 431:
      return 'too_large';
    case 413:
      return 'too_large';
    case 503:
      return 'unavailable';
    default:
      return 'error';
  }
}

function parseBody(text: string): unknown {
  if (!text) {
    return null;
  }
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Call a route of the server, relative to its base URL, and return the JSON
 * reply.
 *
 * @param endPoint path such as `api/artifacts` (query string included)
 * @param init fetch options; a JSON body must be given already serialised
 * @param settings the server connection (the page's by default)
 * @throws {ArtifactsAPIError} on a network failure or a non-2xx reply
 */
export async function requestAPI<T>(
  endPoint: string,
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  return (await requestAPIReply<T>(endPoint, init, settings)).body;
}

/**
 * `requestAPI` with the reply's status, for the routes whose 200 and 201 mean
 * different things (a commit or merge that created a version, or the unchanged head).
 */
export async function requestAPIReply<T>(
  endPoint: string,
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<{ status: number; body: T }> {
  const url = URLExt.join(settings.baseUrl, endPoint);

  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new ArtifactsAPIError(
      0,
      `Could not reach the Jupyter server: ${detail}`,
      'network'
    );
  }

  const body = parseBody(await response.text());
  if (!response.ok) {
    const fields =
      body !== null && typeof body === 'object'
        ? (body as { message?: unknown; reason?: unknown })
        : {};
    const message =
      typeof fields.message === 'string' && fields.message
        ? fields.message
        : `${response.status} ${response.statusText || 'error'} for ${endPoint}`;
    const reason =
      typeof fields.reason === 'string' && fields.reason
        ? fields.reason
        : reasonForStatus(response.status);
    throw new ArtifactsAPIError(response.status, message, reason, body);
  }
  return { status: response.status, body: body as T };
}

/** A sentence for the UI (shown as text, never markup). */
export function describeError(error: unknown): string {
  if (error instanceof ArtifactsAPIError) {
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
