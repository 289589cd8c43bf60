/**
 * Placing a debate round's citations as chips in its text.
 *
 * The server gives each citation's offset in characters (Unicode code points,
 * as Python counts them); JavaScript strings index UTF-16 code units, so an
 * emoji or any character outside the Basic Multilingual Plane before a token
 * shifts every later index by one. The offsets are converted, then the token
 * the citation came from (the id, plus its `@v<digits>` suffix when written
 * that way) is replaced by the chip. A citation whose text does not sit at
 * its offset (an older service's row, say) still gets its chip there, and the
 * text is left as it is.
 */
import type { Reference } from './api';

export type Segment =
  | { kind: 'text'; text: string }
  | {
      kind: 'chip';
      ref: string;
      artifactId: string;
      versionNumber: number;
      text: string;
    };

/** UTF-16 index of each code-point offset in `text` (offsets past the end map to its length). */
export function codeUnitIndex(text: string, codePointOffset: number): number {
  let units = 0;
  let points = 0;
  while (points < codePointOffset && units < text.length) {
    const code = text.charCodeAt(units);
    units +=
      code >= 0xd800 && code <= 0xdbff && units + 1 < text.length ? 2 : 1;
    points += 1;
  }
  return units;
}

const SUFFIX = /^@v[0-9]+[A-Za-z0-9._:-]*/;

/** How many UTF-16 units of `text` at `index` the citation's token spans (0: not there). */
export function tokenLength(
  text: string,
  index: number,
  artifactId: string
): number {
  if (!text.startsWith(artifactId, index)) {
    return 0;
  }
  const rest = text.slice(index + artifactId.length);
  const suffix = SUFFIX.exec(rest);
  // The run's trailing `.`, `:` and `-` are punctuation of the sentence: they stay as text.
  return (
    artifactId.length + (suffix ? suffix[0].replace(/[.:-]+$/, '').length : 0)
  );
}

/**
 * `text` cut into text and chips, in order. `refs` are the round's references
 * for this text (the role of prompt or content); those with offset -1 (evidence)
 * are not placed.
 */
export function placeChips(text: string, refs: Reference[]): Segment[] {
  const placed = refs
    .filter(r => r.cited_at_offset_chars >= 0)
    .map(r => {
      const index = codeUnitIndex(text, r.cited_at_offset_chars);
      return { r, index, length: tokenLength(text, index, r.artifact_id) };
    })
    .sort((a, b) => a.index - b.index);
  const out: Segment[] = [];
  let at = 0;
  for (const { r, index, length } of placed) {
    if (index < at) {
      continue; // overlapping citations of one token: the first one wins
    }
    if (index > at) {
      out.push({ kind: 'text', text: text.slice(at, index) });
    }
    const ref = `${r.artifact_id}@v${r.version_number}`;
    out.push({
      kind: 'chip',
      ref,
      artifactId: r.artifact_id,
      versionNumber: r.version_number,
      text: `🔗 ${ref}`
    });
    at = index + length;
  }
  if (at < text.length) {
    out.push({ kind: 'text', text: text.slice(at) });
  }
  return out;
}
