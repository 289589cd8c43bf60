/**
 * What a pull really did (API.md: a version is pinned once per chamber, and
 * pulling it again changes nothing, its first role stays), told from the
 * chamber's pins before and after, so the message never claims a role the
 * pin does not have. Pure: unit-tested in tests/pullOutcome.spec.ts.
 */
import { formatRef, parseRef } from './models';

/** The parts of a pin this reads. */
export interface IPinLike {
  artifact_id: string;
  version_number: number;
  ref: string;
  role: string;
}

export interface IPullOutcome {
  /** The pinned version (`X@vN`), or what was asked for when it cannot be told. */
  ref: string;
  /** false: the version was pinned already and nothing changed. */
  pinned: boolean;
  /** The role the pin has now (its first one, when it was pinned already). */
  role: string;
  message: string;
}

/**
 * `asked` is the reference sent (`X@vN`, or a bare id for the latest); `role` the role
 * asked for; `chamber` the chamber's name.
 */
export function describePull(
  asked: string,
  role: string,
  chamber: string,
  before: IPinLike[],
  after: IPinLike[]
): IPullOutcome {
  const had = new Set(before.map(p => p.ref));
  const added = after.filter(p => !had.has(p.ref));
  const ref = parseRef(asked);
  const ofAsked = (p: IPinLike) =>
    ref !== null &&
    p.artifact_id === ref.artifactId &&
    (ref.version === undefined || p.version_number === ref.version);
  // A row id of a later version names it too: then the one new pin is the one asked for.
  const fresh =
    added.find(ofAsked) ?? (added.length === 1 ? added[0] : undefined);
  if (fresh) {
    return {
      ref: fresh.ref,
      pinned: true,
      role: fresh.role,
      message: `Pulled ${fresh.ref} into "${chamber}" as ${fresh.role}.`
    };
  }
  // Nothing new: the version was there already. A bare id meant the latest, the highest pinned.
  const existing = after
    .filter(ofAsked)
    .sort((a, b) => b.version_number - a.version_number)[0];
  if (!existing) {
    return {
      ref: asked,
      pinned: false,
      role,
      message: `${asked} was already pinned in "${chamber}": nothing changed.`
    };
  }
  const shown = formatRef(existing.artifact_id, existing.version_number);
  const kept =
    existing.role === role
      ? ''
      : ` (a pin keeps its first role: ${role} was not applied)`;
  return {
    ref: shown,
    pinned: false,
    role: existing.role,
    message: `${shown} was already pinned as ${existing.role} in "${chamber}": nothing changed${kept}.`
  };
}
