/**
 * The notebooks of versions, fetched once: a version never changes, so the
 * working-copy status, the append dialog and split read each one a single time.
 */
import type * as nbformat from '@jupyterlab/nbformat';

import { getNotebookVersion } from './api';
import { formatRef } from './models';

const MAX_ENTRIES = 16;
const cache = new Map<string, Promise<nbformat.INotebookContent>>();

/** The notebook of `id@vN` (a failed fetch is not kept). */
export function versionNotebook(id: string, n: number): Promise<nbformat.INotebookContent> {
  const key = formatRef(id, n);
  let entry = cache.get(key);
  if (entry) {
    cache.delete(key); // most recently used last
    cache.set(key, entry);
    return entry;
  }
  entry = getNotebookVersion(id, n);
  cache.set(key, entry);
  entry.catch(() => cache.get(key) === entry && cache.delete(key));
  while (cache.size > MAX_ENTRIES) {
    cache.delete(cache.keys().next().value as string);
  }
  return entry;
}
