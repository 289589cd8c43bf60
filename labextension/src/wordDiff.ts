/**
 * A word-level diff of two texts (a field diff highlights the changed words
 * inside a statement or an abstract, shared/UI.md): a longest common
 * subsequence over word, punctuation and whitespace tokens. Pure: unit-tested
 * in tests/wordDiff.spec.ts.
 */

export type SegmentKind = 'same' | 'removed' | 'added';

export interface ISegment {
  kind: SegmentKind;
  text: string;
}

/** Words (letters, digits, inner apostrophes and hyphens), single punctuation marks, whitespace runs. */
const TOKEN = /\s+|[\p{L}\p{N}_]+(?:['’-][\p{L}\p{N}_]+)*|[^\s\p{L}\p{N}_]/gu;
const WORD = /[\p{L}\p{N}]/u;
const SPACE = /^\s+$/;

/** Past this many table cells the middle is shown as replaced whole (memory stays small). */
const MAX_CELLS = 4_000_000;

export function tokenize(text: string): string[] {
  return text.match(TOKEN) ?? [];
}

export type Op<T> = { kind: SegmentKind; item: T };

/** The edit script of a longest common subsequence of `a` and `b`: removals before additions. */
export function lcsOps<T>(
  a: T[],
  b: T[],
  equal: (x: T, y: T) => boolean = (x, y) => x === y
): Op<T>[] {
  const ops: Op<T>[] = [];
  let start = 0;
  while (start < a.length && start < b.length && equal(a[start], b[start])) {
    ops.push({ kind: 'same', item: a[start++] });
  }
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && equal(a[endA - 1], b[endB - 1])) {
    endA--;
    endB--;
  }
  const n = endA - start;
  const m = endB - start;
  if (n * m > MAX_CELLS) {
    a.slice(start, endA).forEach(item => ops.push({ kind: 'removed', item }));
    b.slice(start, endB).forEach(item => ops.push({ kind: 'added', item }));
  } else if (n > 0 || m > 0) {
    // table[i * (m + 1) + j]: the LCS length of a[start + i..endA) and b[start + j..endB).
    const table = new Uint32Array((n + 1) * (m + 1));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        table[i * (m + 1) + j] = equal(a[start + i], b[start + j])
          ? table[(i + 1) * (m + 1) + j + 1] + 1
          : Math.max(table[(i + 1) * (m + 1) + j], table[i * (m + 1) + j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && equal(a[start + i], b[start + j])) {
        ops.push({ kind: 'same', item: a[start + i] });
        i++;
        j++;
      } else if (
        j >= m ||
        (i < n && table[(i + 1) * (m + 1) + j] >= table[i * (m + 1) + j + 1])
      ) {
        ops.push({ kind: 'removed', item: a[start + i++] });
      } else {
        ops.push({ kind: 'added', item: b[start + j++] });
      }
    }
  }
  for (let k = endA; k < a.length; k++) {
    ops.push({ kind: 'same', item: a[k] });
  }
  return ops;
}

/**
 * The segments of `before` → `after`: unchanged text, removed text, added text, in reading
 * order (within one change, the removed words come first). Whitespace that merely sits
 * between two changed words joins the change, so "a b" → "x y" reads as one replacement.
 */
export function wordDiff(before: string, after: string): ISegment[] {
  const ops = lcsOps(tokenize(before), tokenize(after));
  const out: ISegment[] = [];
  let removed = '';
  let added = '';
  let held = ''; // unchanged whitespace after a change, kept until the next token says where it belongs
  const push = (kind: SegmentKind, text: string) => {
    if (!text) {
      return;
    }
    const last = out[out.length - 1];
    if (last && last.kind === kind) {
      last.text += text;
    } else {
      out.push({ kind, text });
    }
  };
  const flush = () => {
    push('removed', removed);
    push('added', added);
    push('same', held);
    removed = added = held = '';
  };
  for (const op of ops) {
    const changing = removed !== '' || added !== '';
    if (op.kind === 'same') {
      if (changing && SPACE.test(op.item)) {
        held += op.item;
      } else {
        flush();
        push('same', op.item);
      }
      continue;
    }
    if (held) {
      removed += held;
      added += held;
      held = '';
    }
    if (op.kind === 'removed') {
      removed += op.item;
    } else {
      added += op.item;
    }
  }
  flush();
  return out;
}

/**
 * How much of the longer text's words stayed: 1 for equal texts, 0 when no word is shared.
 * Below about a third, a side-by-side old/new reads better than one interleaved line.
 */
export function similarity(segments: ISegment[]): number {
  const words = (text: string) =>
    tokenize(text).filter(t => WORD.test(t)).length;
  let same = 0;
  let removed = 0;
  let added = 0;
  for (const s of segments) {
    const n = words(s.text);
    if (s.kind === 'same') {
      same += n;
    } else if (s.kind === 'removed') {
      removed += n;
    } else {
      added += n;
    }
  }
  const longer = Math.max(same + removed, same + added);
  return longer === 0 ? 1 : same / longer;
}
