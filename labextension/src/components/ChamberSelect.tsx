/**
 * A select of the open chambers ("name (purpose, N pinned)"), for the dialogs
 * that pin into one.
 */
import React, { useEffect, useState } from 'react';

import { ChamberSummary, listChambers } from '../api';

export function ChamberSelect(props: {
  value: string;
  onChange: (id: string) => void;
  className?: string;
}): JSX.Element {
  const [chambers, setChambers] = useState<ChamberSummary[] | null>(null);
  useEffect(() => {
    listChambers({ status: 'open', limit: 200 }).then(
      p => setChambers(p.items),
      () => setChambers([])
    );
  }, []);
  // A preselected chamber that is no longer open (closed since) is not offered: show none
  // chosen rather than pin into it and fail; the only open chamber needs no picking.
  useEffect(() => {
    if (!chambers?.length) {
      return; // none open, or the list failed: the pull itself will say what is wrong
    }
    const offered = chambers.some(c => c.id === props.value) ? props.value : '';
    const chosen = offered || (chambers.length === 1 ? chambers[0].id : '');
    if (chosen !== props.value) {
      props.onChange(chosen);
    }
  }, [chambers]);
  return (
    <select
      className={`jp-mod-styled ${props.className ?? 'jp-Artifacts-pull-chamber'}`}
      value={props.value}
      onChange={e => props.onChange(e.target.value)}
    >
      <option value="">
        {chambers === null
          ? 'Loading…'
          : chambers.length
            ? 'Choose a chamber'
            : 'No open chamber'}
      </option>
      {(chambers ?? []).map(c => (
        <option
          key={c.id}
          value={c.id}
        >{`${c.name} (${c.purpose}, ${c.pin_count} pinned)`}</option>
      ))}
    </select>
  );
}
