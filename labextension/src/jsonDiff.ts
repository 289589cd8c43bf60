/**
 * A structural diff of two JSON values, per key path (a field diff of
 * non-notebook versions, shared/UI.md): what was added, removed or changed,
 * nested objects and arrays walked down. A value that was null or absent and
 * now is something is *added* (not a change of two values); the reverse is
 * *removed*. Pure: unit-tested in tests/jsonDiff.spec.ts.
 */
import { lcsOps } from './wordDiff';

export type ChangeKind = 'added' | 'removed' | 'changed';
export type JsonPath = (string | number)[];

export interface IJsonChange {
  path: JsonPath;
  kind: ChangeKind;
  /** The value before (absent for `added`). */
  old?: unknown;
  /** The value after (absent for `removed`). */
  new?: unknown;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function absent(value: unknown): boolean {
  return value === null || value === undefined;
}

/** Deep equality of JSON values (key order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) {
    return true;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every(k => k in b && jsonEqual(a[k], b[k]))
    );
  }
  return false;
}

/** The changes from `before` to `after`, in document order (an equal pair gives none). */
export function jsonDiff(
  before: unknown,
  after: unknown,
  path: JsonPath = []
): IJsonChange[] {
  if (jsonEqual(before, after)) {
    return [];
  }
  if (absent(before)) {
    return [{ path, kind: 'added', new: after }];
  }
  if (absent(after)) {
    return [{ path, kind: 'removed', old: before }];
  }
  if (isObject(before) && isObject(after)) {
    const keys = [
      ...Object.keys(before),
      ...Object.keys(after).filter(k => !(k in before))
    ];
    const out: IJsonChange[] = [];
    for (const k of keys) {
      out.push(...jsonDiff(before[k], after[k], [...path, k]));
    }
    return out;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    return arrayDiff(before, after, path);
  }
  return [{ path, kind: 'changed', old: before, new: after }];
}

/**
 * Arrays are aligned on their equal items (so one tag removed is one removal, not every
 * later item changed); what is left between two equal items pairs up as changes.
 */
function arrayDiff(
  before: unknown[],
  after: unknown[],
  path: JsonPath
): IJsonChange[] {
  const indexed = (list: unknown[]) =>
    list.map((value, index) => ({ value, index }));
  const ops = lcsOps(indexed(before), indexed(after), (x, y) =>
    jsonEqual(x.value, y.value)
  );
  const out: IJsonChange[] = [];
  let removed: { value: unknown; index: number }[] = [];
  let added: { value: unknown; index: number }[] = [];
  const flush = () => {
    const paired = Math.min(removed.length, added.length);
    for (let i = 0; i < paired; i++) {
      out.push(
        ...jsonDiff(removed[i].value, added[i].value, [...path, added[i].index])
      );
    }
    removed
      .slice(paired)
      .forEach(r =>
        out.push({ path: [...path, r.index], kind: 'removed', old: r.value })
      );
    added
      .slice(paired)
      .forEach(a =>
        out.push({ path: [...path, a.index], kind: 'added', new: a.value })
      );
    removed = [];
    added = [];
  };
  for (const op of ops) {
    if (op.kind === 'same') {
      flush();
    } else if (op.kind === 'removed') {
      removed.push(op.item);
    } else {
      added.push(op.item);
    }
  }
  flush();
  return out;
}

/** `statement`, `authors[2].name`, `["odd key"]`; the empty path is ''. */
export function formatPath(path: JsonPath): string {
  let text = '';
  for (const part of path) {
    if (typeof part === 'number') {
      text += `[${part}]`;
    } else if (/^[A-Za-z_$][\w$-]*$/.test(part)) {
      text += text ? `.${part}` : part;
    } else {
      text += `[${JSON.stringify(part)}]`;
    }
  }
  return text;
}
