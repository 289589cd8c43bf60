/**
 * Information scent for lists (sidebar rows, expanded versions): relative times,
 * step labels, who made a version, and search snippets cut into highlighted
 * segments. Pure functions: unit-tested in tests/scent.spec.ts.
 */
import type { Actor, MadeBy, SearchMatch } from './types';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "just now", "5 min ago", "2 h ago", "3 d ago", "4 mo ago", "2 y ago". */
export function relativeTime(iso: string, now: number): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) {
    return iso;
  }
  // A server clock a little ahead of this one must not read as "in the future".
  const ago = Math.max(0, now - then);
  if (ago < MINUTE) {
    return 'just now';
  }
  if (ago < HOUR) {
    return `${Math.floor(ago / MINUTE)} min ago`;
  }
  if (ago < DAY) {
    return `${Math.floor(ago / HOUR)} h ago`;
  }
  if (ago < 30 * DAY) {
    return `${Math.floor(ago / DAY)} d ago`;
  }
  if (ago < 365 * DAY) {
    return `${Math.floor(ago / (30 * DAY))} mo ago`;
  }
  return `${Math.floor(ago / (365 * DAY))} y ago`;
}

/** The exact time in the browser's locale and time zone, with the zone named. */
export function exactTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return iso;
  }
  return date.toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    timeZoneName: 'short'
  });
}

/**
 * How a version came to be, as short labels: `['cell append', 'differential-expression']`.
 * `null` is a v1 that was registered (no step made it); `undefined` means the server
 * did not say (an older server), so nothing is claimed.
 */
export function stepLabels(step: MadeBy | null | undefined): string[] {
  if (step === undefined) {
    return [];
  }
  if (step === null) {
    return ['registered'];
  }
  const kind = step.step_type.replace(/_/g, ' ');
  const method = step.method?.trim();
  // A method that only repeats the kind ("fork · fork") says nothing more.
  return method && method !== step.step_type && method !== kind
    ? [kind, method]
    : [kind];
}

/** Who made a version: the short name shown, and the whole story for the tooltip. */
export function actorLabel(actor: Actor | null | undefined): {
  short: string;
  full: string;
  recorder: string | null;
} {
  const type = actor?.actor_type || 'unknown';
  const id = actor?.actor_id || null;
  const recorded = actor?.recorded_by || null;
  const short = id ?? type;
  const recorder = recorded && recorded !== id ? recorded : null;
  const full = `${id ? `${type} ${id}` : type}${recorder ? ` · recorded by ${recorder}` : ''}`;
  return { short, full, recorder };
}

/** Which field a search hit matched, as a label. */
export function matchFieldLabel(match: SearchMatch): string {
  if (match.field === 'cell') {
    return match.cell_index !== undefined && match.cell_index !== null
      ? `cell ${match.cell_index}`
      : 'a cell';
  }
  return match.field;
}

export interface ISegment {
  text: string;
  mark: boolean;
}

/**
 * The snippet cut into plain and highlighted segments. `ranges` are code-point offsets
 * (the server counts characters as Python does), so the text is split by code points,
 * never UTF-16 units: an emoji before a match does not shift the highlight.
 * Ranges out of bounds are clipped, empty ones dropped, overlapping ones joined.
 */
export function snippetSegments(
  snippet: string,
  ranges: ReadonlyArray<readonly [number, number]>
): ISegment[] {
  const chars = Array.from(snippet);
  const clean = ranges
    .filter(
      r => Array.isArray(r) && Number.isInteger(r[0]) && Number.isInteger(r[1])
    )
    .map(
      ([s, e]) =>
        [Math.max(0, s), Math.min(chars.length, e)] as [number, number]
    )
    .filter(([s, e]) => e > s)
    .sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const r of clean) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) {
      last[1] = Math.max(last[1], r[1]);
    } else {
      merged.push([r[0], r[1]]);
    }
  }
  const segments: ISegment[] = [];
  let at = 0;
  for (const [s, e] of merged) {
    if (s > at) {
      segments.push({ text: chars.slice(at, s).join(''), mark: false });
    }
    segments.push({ text: chars.slice(s, e).join(''), mark: true });
    at = e;
  }
  if (at < chars.length) {
    segments.push({ text: chars.slice(at).join(''), mark: false });
  }
  return segments;
}
