/**
 * "2 h ago", with the exact local time on hover (its title, which assistive
 * technology reads as the description) and the ISO time in `datetime`. One shared timer moves
 * every shown time along, so a long-open sidebar does not say "just now" forever.
 */
import React, { useEffect, useState } from 'react';

import { exactTime, relativeTime } from '../scent';

const TICK_MS = 30_000;
const listeners = new Set<(now: number) => void>();
let timer = 0;

function subscribe(listener: (now: number) => void): () => void {
  listeners.add(listener);
  if (timer === 0) {
    timer = window.setInterval(() => {
      const now = Date.now();
      listeners.forEach(l => l(now));
    }, TICK_MS);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) {
      window.clearInterval(timer);
      timer = 0;
    }
  };
}

export function RelativeTime(props: {
  iso: string;
  className?: string;
}): JSX.Element {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => subscribe(setNow), []);
  const exact = exactTime(props.iso);
  return (
    <time
      className={`jp-Artifacts-time${props.className ? ` ${props.className}` : ''}`}
      dateTime={props.iso}
      title={exact}
    >
      {relativeTime(props.iso, now)}
    </time>
  );
}

/** The exact local time, then how long ago: for a view's header, where there is room. */
export function When(props: { iso: string }): JSX.Element {
  return (
    <span className="jp-Artifacts-when">
      {exactTime(props.iso)} (<RelativeTime iso={props.iso} />)
    </span>
  );
}
