/**
 * The field diff of two non-notebook versions (`open-diff` on a hypothesis,
 * a paper…): per field, a structural diff by key path (added, removed,
 * changed), and inside a changed text the words that changed, struck and
 * red or underlined and green. Everything is text nodes, never HTML.
 */
import React from 'react';

import type { FieldDiff } from '../api';
import { formatPath, IJsonChange, jsonDiff } from '../jsonDiff';
import { similarity, wordDiff } from '../wordDiff';

/** Below this share of common words, old and new read better one above the other. */
const INLINE_MIN_SIMILARITY = 0.34;

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}

/** Old → new of one text, the changed words marked inside it. */
export function WordDiff(props: {
  before: string;
  after: string;
  label: string;
}): JSX.Element {
  const segments = wordDiff(props.before, props.after);
  if (similarity(segments) < INLINE_MIN_SIMILARITY) {
    // Rewritten rather than edited: an interleaving of two texts would read as neither.
    return (
      <div className="jp-Artifacts-field-sides">
        <pre className="jp-Artifacts-old" aria-label={`${props.label}, before`}>
          {props.before}
        </pre>
        <pre className="jp-Artifacts-new" aria-label={`${props.label}, after`}>
          {props.after}
        </pre>
      </div>
    );
  }
  return (
    <p
      className="jp-Artifacts-word-diff"
      aria-label={`${props.label}: changed words marked`}
    >
      {segments.map((s, i) => {
        if (s.kind === 'same') {
          return <span key={i}>{s.text}</span>;
        }
        // The spaces at a change's edges are left unmarked: a struck or underlined space
        // reads as a stray mark.
        const edges = /^(\s*)([\s\S]*?)(\s*)$/.exec(s.text) as RegExpExecArray;
        // (A change of whitespace only stays marked whole, or it would not show.)
        const [, before, words, after] = edges[2]
          ? edges
          : ['', '', s.text, ''];
        const Mark = s.kind === 'removed' ? 'del' : 'ins';
        return (
          <React.Fragment key={i}>
            {before}
            <Mark className={`jp-Artifacts-word-${s.kind}`} title={s.kind}>
              {words}
            </Mark>
            {after}
          </React.Fragment>
        );
      })}
    </p>
  );
}

function Change(props: { field: string; change: IJsonChange }): JSX.Element {
  const { change } = props;
  const path = formatPath(change.path);
  const label = path ? `${props.field}.${path}` : props.field;
  let body: JSX.Element;
  if (
    change.kind === 'changed' &&
    typeof change.old === 'string' &&
    typeof change.new === 'string'
  ) {
    body = <WordDiff before={change.old} after={change.new} label={label} />;
  } else if (change.kind === 'changed') {
    body = (
      <div className="jp-Artifacts-field-sides">
        <pre className="jp-Artifacts-old" aria-label={`${label}, before`}>
          {show(change.old)}
        </pre>
        <pre className="jp-Artifacts-new" aria-label={`${label}, after`}>
          {show(change.new)}
        </pre>
      </div>
    );
  } else if (change.kind === 'added') {
    body = (
      <pre className="jp-Artifacts-new jp-Artifacts-value-added">
        {show(change.new)}
      </pre>
    );
  } else {
    body = (
      <pre className="jp-Artifacts-old jp-Artifacts-value-removed">
        {show(change.old)}
      </pre>
    );
  }
  return (
    <li
      className="jp-Artifacts-json-change"
      data-path={path}
      data-kind={change.kind}
    >
      <div className="jp-Artifacts-json-change-head">
        {path && <code className="jp-Artifacts-json-path">{path}</code>}
        <span
          className={`jp-Artifacts-change-kind jp-Artifacts-change-${change.kind}`}
        >
          {change.kind}
        </span>
      </div>
      {body}
    </li>
  );
}

/** "title changed · content: 1 changed · changelog added" */
function summarize(name: string, changes: IJsonChange[]): string {
  if (changes.length === 1 && changes[0].path.length === 0) {
    return `${name} ${changes[0].kind}`;
  }
  const counts = (['added', 'removed', 'changed'] as const)
    .map(kind => [kind, changes.filter(c => c.kind === kind).length] as const)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${n} ${kind}`);
  return `${name}: ${counts.join(', ')}`;
}

export function FieldDiffList(props: { diff: FieldDiff }): JSX.Element {
  const fields = Object.entries(props.diff.fields).map(
    ([name, { old, new: after }]) => ({
      name,
      changes: jsonDiff(old, after)
    })
  );
  const changed = fields.filter(f => f.changes.length > 0);
  return (
    <div className="jp-Artifacts-field-diff">
      <div className="jp-Artifacts-diff-summary">
        <span className="jp-Artifacts-diff-refs">
          {props.diff.from_ref} → {props.diff.to_ref}
        </span>
        <span>
          {changed.length
            ? changed.map(f => summarize(f.name, f.changes)).join(' · ')
            : 'No field changed'}
        </span>
      </div>
      {changed.map(f => (
        <section
          key={f.name}
          className="jp-Artifacts-field-change"
          data-field={f.name}
          data-kind={
            f.changes.length === 1 && f.changes[0].path.length === 0
              ? f.changes[0].kind
              : 'nested'
          }
        >
          <h3>{f.name}</h3>
          <ul className="jp-Artifacts-json-changes">
            {f.changes.map((c, i) => (
              <Change key={i} field={f.name} change={c} />
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}
