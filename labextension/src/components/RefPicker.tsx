/**
 * Which version to pin: a type-ahead over artifact ids and titles (the search
 * API, `GET api/artifacts?q=`), then the chosen artifact's versions, latest
 * preselected. The text box always holds the reference that will be sent
 * (`id@vN`, or what the user typed), so nothing is hidden between the
 * picker and the pull. Keyboard: ↓/↑ move in the results, Enter picks,
 * Escape closes the list (the dialog passes those keys through `keys`).
 */
import React, { useEffect, useRef, useState } from 'react';

import { listArtifacts, listVersions, Version } from '../api';
import { Snippet } from './Snippet';
import { formatRef, parseRef } from '../models';
import { describeError } from '../request';

/** How long typing pauses before the search is sent. */
const DEBOUNCE_MS = 200;
const RESULTS = 8;

let pickers = 0;

/** The words to search for: the text without a trailing `@v…`. */
export function searchQuery(text: string): string {
  return text.replace(/@v?\d*\s*$/, '').trim();
}

interface IChosen {
  id: string;
  /** Newest first; null while loading. */
  versions: Version[] | null;
  error: string | null;
}

export interface IRefPickerProps {
  initial: string;
  onChange: (ref: string) => void;
  /** Set by the picker: handles a key the dialog saw first; true when it was used. */
  keys: { current: ((event: KeyboardEvent) => boolean) | null };
  disabled?: boolean;
}

export function RefPicker(props: IRefPickerProps): JSX.Element {
  const [id] = useState(() => `jp-Artifacts-ref-picker-${++pickers}`);
  const [text, setText] = useState(props.initial);
  const [open, setOpen] = useState(false);
  const [results, setResults] = useState<Version[] | null>(null);
  const [searchError, setSearchError] = useState<string | null>(null);
  const [active, setActive] = useState(-1);
  const [chosen, setChosen] = useState<IChosen | null>(null);
  const textRef = useRef(text);
  const query = searchQuery(text);

  const report = (next: string) => {
    textRef.current = next;
    setText(next);
    props.onChange(next);
  };

  /** Load the versions of `artifactId`; select `version` (default: the latest). */
  const choose = (artifactId: string, version?: number) => {
    setChosen({ id: artifactId, versions: null, error: null });
    listVersions(artifactId).then(
      list => {
        const versions = [...list.versions].reverse();
        setChosen({ id: artifactId, versions, error: null });
        const n = version ?? versions[0]?.version_number;
        // Typing since? Then the text is the user's, not ours to change.
        if (
          n !== undefined &&
          parseRef(textRef.current)?.artifactId === artifactId
        ) {
          report(formatRef(artifactId, n));
        }
      },
      error =>
        setChosen({ id: artifactId, versions: [], error: describeError(error) })
    );
  };

  useEffect(() => {
    const ref = parseRef(props.initial.trim());
    if (ref) {
      choose(ref.artifactId, ref.version);
    }
  }, []);

  // The search, once typing pauses; a late answer to an older query is dropped.
  useEffect(() => {
    if (!open || !query) {
      return;
    }
    let current = true;
    const timer = window.setTimeout(() => {
      listArtifacts({ q: query, limit: RESULTS }).then(
        page => {
          if (current) {
            setResults(page.items);
            setSearchError(null);
            setActive(page.items.length ? 0 : -1);
          }
        },
        error =>
          current && (setResults([]), setSearchError(describeError(error)))
      );
    }, DEBOUNCE_MS);
    return () => {
      current = false;
      window.clearTimeout(timer);
    };
  }, [query, open]);

  useEffect(() => {
    if (active >= 0) {
      document
        .getElementById(`${id}-option-${active}`)
        ?.scrollIntoView({ block: 'nearest' });
    }
  }, [active]);

  const pick = (v: Version) => {
    setOpen(false);
    report(formatRef(v.artifact_id, v.version_number));
    choose(v.artifact_id);
  };

  const listed = open && !!query && results !== null;
  props.keys.current = (event: KeyboardEvent) => {
    if (
      event.key === 'Enter' &&
      listed &&
      active >= 0 &&
      results &&
      results[active]
    ) {
      pick(results[active]);
      return true;
    }
    if (event.key === 'Escape' && open && !!query) {
      setOpen(false);
      return true;
    }
    return false;
  };

  const onKeyDown = (e: React.KeyboardEvent<HTMLInputElement>) => {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') {
      return;
    }
    e.preventDefault();
    if (!open) {
      setOpen(true);
      return;
    }
    const n = results?.length ?? 0;
    if (n) {
      setActive(a => (e.key === 'ArrowDown' ? (a + 1) % n : (a - 1 + n) % n));
    }
  };

  const chosenHere =
    chosen && parseRef(text.trim())?.artifactId === chosen.id ? chosen : null;
  const selected = parseRef(text.trim())?.version;
  return (
    <>
      <label>
        Artifact (type part of an id or a title)
        <div className="jp-Artifacts-ref-picker">
          <input
            className="jp-mod-styled jp-Artifacts-pull-ref"
            role="combobox"
            aria-autocomplete="list"
            aria-expanded={listed}
            aria-controls={`${id}-results`}
            aria-activedescendant={
              listed && active >= 0 ? `${id}-option-${active}` : undefined
            }
            autoComplete="off"
            spellCheck={false}
            value={text}
            disabled={props.disabled}
            placeholder="e.g. TREM2, or hypothesis-H-89@v2"
            onChange={e => {
              report(e.target.value);
              setOpen(true);
            }}
            onKeyDown={onKeyDown}
            onBlur={() => setOpen(false)}
          />
          {open && query && (
            <ul
              className="jp-Artifacts-ref-results"
              role="listbox"
              id={`${id}-results`}
              aria-label="Matching artifacts"
            >
              {results === null ? (
                <li className="jp-Artifacts-muted">Searching…</li>
              ) : searchError ? (
                <li className="jp-Artifacts-muted">{`The search failed: ${searchError}`}</li>
              ) : results.length === 0 ? (
                <li className="jp-Artifacts-muted">{`No artifact matches “${query}”.`}</li>
              ) : (
                results.map((v, i) => (
                  <li
                    key={v.artifact_id}
                    id={`${id}-option-${i}`}
                    role="option"
                    aria-selected={i === active}
                    className={`jp-Artifacts-ref-option${i === active ? ' jp-mod-active' : ''}`}
                    data-artifact-id={v.artifact_id}
                    onMouseDown={
                      e =>
                        e.preventDefault() /* keep the focus in the text box */
                    }
                    onMouseEnter={() => setActive(i)}
                    onClick={() => pick(v)}
                  >
                    <span className="jp-Artifacts-ref-option-id">
                      {v.artifact_id}
                    </span>
                    <span className="jp-Artifacts-ref-option-title">
                      {v.title}
                    </span>
                    <span className="jp-Artifacts-ref-option-meta">{`${v.artifact_type} · v${v.version_number}`}</span>
                    {/* Matched outside the id and title: say where, or the hit looks random. */}
                    {v.match &&
                      v.match.field !== 'id' &&
                      v.match.field !== 'title' && (
                        <span className="jp-Artifacts-ref-option-match">
                          <Snippet match={v.match} />
                        </span>
                      )}
                  </li>
                ))
              )}
            </ul>
          )}
        </div>
      </label>
      <label>
        Version
        <select
          className="jp-mod-styled jp-Artifacts-pull-version"
          disabled={props.disabled || !chosenHere?.versions?.length}
          value={
            chosenHere?.versions?.length
              ? String(selected ?? chosenHere.versions[0].version_number)
              : ''
          }
          onChange={e =>
            chosenHere &&
            report(formatRef(chosenHere.id, Number(e.target.value)))
          }
        >
          {!chosenHere?.versions?.length && (
            <option value="">
              {chosenHere?.error ??
                (chosenHere
                  ? 'Loading the versions…'
                  : 'Pick an artifact first')}
            </option>
          )}
          {(chosenHere?.versions ?? []).map(v => (
            <option key={v.version_number} value={String(v.version_number)}>
              {`v${v.version_number}${v.is_latest ? ' (latest)' : ''} · ${v.title}` +
                (v.changelog ? ` · ${v.changelog}` : '')}
            </option>
          ))}
        </select>
      </label>
    </>
  );
}
