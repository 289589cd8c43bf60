import { ServerConnection } from '@jupyterlab/services';
import { describe, expect, it } from 'vitest';

import { ArtifactsAPIError, requestAPI } from '../src/request';

/** A server that answers every request with `status` and `body`, recording what it was asked. */
function server(status: number, body: string, contentType = 'application/json') {
  const asked: { url: string; init: RequestInit }[] = [];
  const settings = ServerConnection.makeSettings({
    baseUrl: 'http://lab.example/base/',
    fetch: (async (input: RequestInfo, init?: RequestInit) => {
      asked.push({ url: typeof input === 'string' ? input : input.url, init: init ?? {} });
      return new Response(body, { status, headers: { 'Content-Type': contentType } });
    }) as typeof fetch
  });
  return { settings, asked };
}

describe('requestAPI', () => {
  it('joins the route to the base URL and returns the JSON reply', async () => {
    const { settings, asked } = server(200, '{"items": [], "next_cursor": null}');
    const reply = await requestAPI<any>('api/artifacts?q=TREM2', { method: 'GET' }, settings);
    expect(reply).toEqual({ items: [], next_cursor: null });
    // (ServerConnection may add a cache-busting parameter to GETs.)
    expect(asked[0].url).toMatch(/^http:\/\/lab.example\/base\/api\/artifacts\?q=TREM2(&\d+)?$/);
  });

  it("turns the server's {message, reason} into one error type", async () => {
    const { settings } = server(409, '{"message": "Version 2 of NB-12 is not the latest; the latest is v3.", "reason": "stale_parent"}');
    const error = await requestAPI('api/notebooks/NB-12/cells', { method: 'POST', body: '{}' }, settings).catch(e => e);
    expect(error).toBeInstanceOf(ArtifactsAPIError);
    expect(error.status).toBe(409);
    expect(error.reason).toBe('stale_parent');
    expect(error.message).toBe('Version 2 of NB-12 is not the latest; the latest is v3.');
  });

  it('gives a reason and a sentence to replies without the body (a proxy page, a missing route)', async () => {
    const { settings } = server(404, '<html>Not Found</html>', 'text/html');
    const error = await requestAPI('api/artifacts', {}, settings).catch(e => e);
    expect(error.reason).toBe('not_found');
    expect(error.isNotFound).toBe(true);
    expect(error.message).toMatch(/404/);
  });

  it('reports a network failure as status 0', async () => {
    const settings = ServerConnection.makeSettings({
      baseUrl: 'http://lab.example/',
      fetch: (async () => {
        throw new TypeError('Failed to fetch');
      }) as typeof fetch
    });
    const error = await requestAPI('api/artifacts', {}, settings).catch(e => e);
    expect(error.status).toBe(0);
    expect(error.reason).toBe('network');
    expect(error.message).toMatch(/Could not reach the Jupyter server/);
  });
});
