/**
 * What a replay's verdict reads as, in badges, tooltips and notifications:
 * "Reproduced ✓ 12 s ago · Python 3.11", "Differs in 3 of 40 cells",
 * "Failed in cell 7", "Timed out", "Replaying… 5 of 40". Pure text (never
 * HTML), unit-tested in tests/replayText.spec.ts.
 */
import type { Replay, ReplayCounts } from './replayTypes';
import { relativeTime } from './scent';

const MINUTE = 60_000;
const JUST_NOW = 5_000;

/** "12 s ago" within the first minute (a replay just finished), else as elsewhere ("5 min ago"). */
export function agoText(iso: string, now: number): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) {
    return iso;
  }
  const ago = Math.max(0, now - then);
  if (ago < JUST_NOW) {
    return 'just now';
  }
  return ago < MINUTE ? `${Math.floor(ago / 1000)} s ago` : relativeTime(iso, now);
}

/** "Python 3.11" (the kernel's language and major.minor version), or null when unknown. */
export function languageLabel(r: Replay): string | null {
  const env = r.environment ?? {};
  const kernel = r.kernel ?? {};
  const language = (kernel.language ?? (env.python ? 'python' : '')).trim();
  if (!language) {
    return null;
  }
  const isPython = language.toLowerCase() === 'python';
  const full = (isPython ? env.python ?? kernel.language_version : kernel.language_version) ?? '';
  const m = /(\d+)\.(\d+)/.exec(full);
  const name = isPython ? 'Python' : language.charAt(0).toUpperCase() + language.slice(1);
  return m ? `${name} ${m[1]}.${m[2]}` : name;
}

/** The counts of the reply, or (from an older reply) counted from its cells. */
export function countsOf(r: Replay): ReplayCounts {
  if (r.counts) {
    return r.counts;
  }
  const count = (verdict: string) => r.cells.filter(c => c.verdict === verdict).length;
  const same = count('same');
  const differs = count('differs');
  const error = count('error');
  return { code_cells: same + differs + error, same, differs, error, skipped: count('skipped') };
}

/** The first cell that raised (or timed out), 1-based as the views number cells; null if none. */
export function failedCell(r: Replay): number | null {
  const cell = r.cells.find(c => c.verdict === 'error');
  return cell === undefined ? null : cell.index + 1;
}

/** When the verdict was reached (or the replay started, while it runs). */
function when(r: Replay): string {
  return r.finished_at ?? r.created_at;
}

/** The badge's text; `null`: never replayed. `compact` (a table's cell): without the language. */
export function verdictLabel(r: Replay | null, now: number, compact = false): string {
  if (r === null) {
    return 'Not replayed yet';
  }
  switch (r.status) {
    case 'running': {
      const p = r.progress;
      return p && p.total > 0 ? `Replaying… ${p.done} of ${p.total}` : 'Replaying…';
    }
    case 'reproduced': {
      const language = compact ? null : languageLabel(r);
      return `Reproduced ✓ ${agoText(when(r), now)}${language ? ` · ${language}` : ''}`;
    }
    case 'differs': {
      const c = countsOf(r);
      return `Differs in ${c.differs} of ${c.code_cells} cell${c.code_cells === 1 ? '' : 's'}`;
    }
    case 'failed': {
      const cell = failedCell(r);
      return cell === null ? 'Failed' : `Failed in cell ${cell}`;
    }
    case 'timeout':
      return 'Timed out';
    default:
      return String(r.status);
  }
}

const MEANING: Record<string, string> = {
  running: 'running in a fresh kernel',
  reproduced: "every code cell's outputs match the stored ones after normalisation",
  differs: 'some outputs differ from the stored ones',
  failed: 'a cell raised where the stored outputs hold no such error',
  timeout: 'the time limit passed; the kernel was stopped'
};

export function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

/** At most `max` cells that did not come out the same: "cell 7: text differs". */
export function cellNotes(r: Replay, max = 5): string[] {
  const notable = r.cells.filter(c => c.verdict === 'differs' || c.verdict === 'error');
  const notes = notable
    .slice(0, max)
    .map(c => `cell ${c.index + 1}: ${c.detail || (c.verdict === 'error' ? 'raised an error' : 'outputs differ')}`);
  if (notable.length > max) {
    notes.push(`and ${notable.length - max} more`);
  }
  return notes;
}

/** The tooltip: what the verdict means, when, how long, in which kernel and environment, which cells. */
export function verdictTooltip(r: Replay | null, now: number): string {
  if (r === null) {
    return 'This version has not been replayed. Replay re-executes every code cell in a fresh kernel and compares the outputs.';
  }
  const lines = [`Replay of ${r.ref}: ${r.status} (${MEANING[r.status] ?? r.status})`];
  const took = r.duration_ms !== null && r.duration_ms !== undefined ? `, took ${seconds(r.duration_ms)}` : '';
  lines.push(`${r.status === 'running' ? 'Started' : 'Replayed'} ${agoText(when(r), now)}${took}`);
  const kernel = [r.kernel?.name, languageLabel(r)].filter(Boolean).join(' · ');
  if (kernel) {
    lines.push(`Kernel: ${kernel}`);
  }
  const env = r.environment;
  if (env?.packages_hash) {
    const n = env.packages?.length;
    lines.push(`Packages: ${env.packages_hash.slice(0, 19)}…${n ? ` (${n} packages)` : ''}`);
  }
  if (r.status !== 'running') {
    const c = countsOf(r);
    lines.push(`${c.same} same, ${c.differs} differ, ${c.error} raised, ${c.skipped} skipped`);
  }
  lines.push(...cellNotes(r));
  if (r.message) {
    lines.push(r.message);
  }
  return lines.join('\n');
}

/** A notification's sentence once a replay finished: "NB-12@v3: Differs in 1 of 4 cells (took 7.2 s). cell 5: text differs". */
export function verdictSentence(r: Replay): string {
  const label = r.status === 'reproduced' ? ['Reproduced ✓', languageLabel(r)].filter(Boolean).join(' · ') : verdictLabel(r, 0);
  const took = r.duration_ms !== null && r.duration_ms !== undefined ? ` (took ${seconds(r.duration_ms)})` : '';
  const first = cellNotes(r, 1)[0];
  const why = r.message ?? (first && !first.startsWith('and ') ? first : null);
  return `${r.ref}: ${label}${took}${why ? `. ${why}` : ''}`;
}

/** One line for a version chip's tooltip: "Replay: Differs in 3 of 40 cells". */
export function chipDetail(r: Replay | null | undefined, now: number): string | undefined {
  return r ? `Replay: ${verdictLabel(r, now)}` : undefined;
}

/** Whether the badge opens the diff of stored and replayed outputs (something came out otherwise). */
export function hasDiff(r: Replay | null | undefined): boolean {
  return !!r && (r.status === 'differs' || r.status === 'failed' || r.status === 'timeout');
}
