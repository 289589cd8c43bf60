/**
 * Why a search hit matched: the field ("title", "cell 3", …) and the server's snippet
 * with the matched words in <mark>. Text nodes only, never HTML: a snippet is cut from
 * user content.
 */
import React from 'react';

import type { SearchMatch } from '../api';
import { matchFieldLabel, snippetSegments } from '../scent';

export function Snippet(props: {
  match: SearchMatch | undefined | null;
}): JSX.Element | null {
  const { match } = props;
  if (!match || typeof match.snippet !== 'string') {
    return null;
  }
  const field = matchFieldLabel(match);
  const segments = snippetSegments(
    match.snippet,
    Array.isArray(match.ranges) ? match.ranges : []
  );
  return (
    <span
      className="jp-Artifacts-match"
      data-field={match.field}
      title={`Matched in ${field}: ${match.snippet}`}
    >
      <span className="jp-Artifacts-match-field">{field}</span>
      <span className="jp-Artifacts-match-snippet">
        {segments.map((s, i) =>
          s.mark ? (
            <mark key={i} className="jp-Artifacts-match-mark">
              {s.text}
            </mark>
          ) : (
            <React.Fragment key={i}>{s.text}</React.Fragment>
          )
        )}
      </span>
    </span>
  );
}
