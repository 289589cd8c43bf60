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
  // A preselected chamber that is no longer open (closed since) is not offered: say so by
  // showing none chosen rather than pinning into it and failing.
  useEffect(() => {
    if (
      chambers &&
      chambers.length &&
      props.value &&
      !chambers.some(c => c.id === props.value)
    ) {
      props.onChange('');
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
