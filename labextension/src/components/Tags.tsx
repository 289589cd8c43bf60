/** Tags as text badges; long ones are shortened, with the whole tag in the tooltip. */
import React from 'react';

import { shorten } from '../models';

const MAX_TAG = 24;

export function Tags(props: { tags: string[] }): JSX.Element | null {
  if (props.tags.length === 0) {
    return null;
  }
  return (
    <span className="jp-Artifacts-tags">
      {props.tags.map(tag => (
        <span
          key={tag}
          className="jp-Artifacts-tag"
          data-tag={tag}
          title={`tag: ${tag}`}
        >
          {shorten(tag, MAX_TAG)}
        </span>
      ))}
    </span>
  );
}
