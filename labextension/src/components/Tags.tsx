/**
 * Tags as text badges. The whole tag stays in the DOM (screen readers read it all);
 * CSS cuts a long one with an ellipsis, its title shows it on hover, and a sidebar row
 * with keyboard focus shows it unclipped (sidebar.css).
 */
import React from 'react';

export function Tags(props: { tags: string[] }): JSX.Element | null {
  if (props.tags.length === 0) {
    return null;
  }
  return (
    <span className="jp-Artifacts-tags">
      {props.tags.map(tag => (
        <span key={tag} className="jp-Artifacts-tag" data-tag={tag} title={tag}>
          {tag}
        </span>
      ))}
    </span>
  );
}
