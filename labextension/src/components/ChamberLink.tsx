/**
 * A chamber named by its name (fetched once per id), not its UUID: the lineage's step
 * panel and a debate's header link to it.
 */
import React, { useEffect, useState } from 'react';

import { getChamber } from '../api';
import { describeError } from '../request';
import { CommandIDs } from '../tokens';
import { IViewServices, runIfAvailable } from '../widgets/services';

/** Chamber names by id, fetched once per session (a name never changes). */
const chamberNames = new Map<string, Promise<string>>();

function chamberName(id: string): Promise<string> {
  let name = chamberNames.get(id);
  if (name === undefined) {
    name = getChamber(id).then(c => c.name);
    chamberNames.set(id, name);
    name.catch(() => chamberNames.delete(id)); // try again next time
  }
  return name;
}

/** A chamber by its name, a link that opens it; its id below, for the record. */
export function ChamberLink(props: { id: string; services: IViewServices }): JSX.Element {
  const { id, services } = props;
  const [name, setName] = useState<{ text: string | null; error: string | null }>({ text: null, error: null });
  useEffect(() => {
    let live = true;
    chamberName(id).then(
      text => live && setName({ text, error: null }),
      error => live && setName({ text: null, error: describeError(error) })
    );
    return () => {
      live = false;
    };
  }, [id]);
  const label = name.text ?? (name.error ? 'Open the chamber' : 'Loading the chamber…');
  return (
    <span className="jp-Artifacts-dag-chamber-ref">
      <a
        href="#"
        className="jp-Artifacts-dag-chamber"
        data-command={CommandIDs.openChamber}
        data-chamber-id={id}
        title={`Open chamber ${name.text ?? id}`}
        onClick={e => {
          e.preventDefault();
          runIfAvailable(services.commands, CommandIDs.openChamber, { id });
        }}
      >
        {label}
      </a>
      {name.error && <span className="jp-Artifacts-muted"> (name unavailable: {name.error})</span>}
      <code className="jp-Artifacts-dag-chamber-id">{id}</code>
    </span>
  );
}
