/** A content hash: shortened, whole in the tooltip, with a copy button. */
import { Clipboard } from '@jupyterlab/apputils';
import { copyIcon } from '@jupyterlab/ui-components';
import React, { useState } from 'react';

import { shortHash } from '../models';

export function Hash(props: { value: string | null; label?: string }): JSX.Element {
  const [copied, setCopied] = useState(false);
  if (!props.value) {
    return <span className="jp-Artifacts-hash jp-mod-missing">no hash</span>;
  }
  const value = props.value;
  return (
    <span className="jp-Artifacts-hash" data-hash={value} title={value}>
      <code>{shortHash(value)}</code>
      <button
        type="button"
        className="jp-Artifacts-copy jp-Button jp-mod-minimal"
        aria-label={`Copy ${props.label ?? 'hash'}`}
        title={`Copy ${props.label ?? 'hash'}: ${value}`}
        onClick={() => {
          Clipboard.copyToSystem(value);
          setCopied(true);
          window.setTimeout(() => setCopied(false), 1500);
        }}
      >
        <copyIcon.react tag="span" />
        {copied && <span className="jp-Artifacts-copied">copied</span>}
      </button>
    </span>
  );
}
