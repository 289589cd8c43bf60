/**
 * Chamber and debate commands (shared/UI.md): new, open, pull into and close a
 * chamber; a persona's workspace; the debates and a debate's transcript.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';

import {
  Chamber,
  closeChamber,
  createChamber,
  getChamber,
  openPersonaWorkspace,
  Purpose,
  pullIntoChamber,
  Role
} from './api';
import { ArgumentError, formatRef, refArg, stringArg } from './models';
import { describePull, IPullOutcome } from './pullOutcome';
import { argOrAsk, reported } from './commands';
import { CommandIDs } from './tokens';
import { Views } from './views';
import { askNewChamber, confirmClose } from './widgets/ChamberDialogs';
import { askPull } from './widgets/PullDialog';

type Args = ReadonlyPartialJSONObject;

const PURPOSES: ReadonlyArray<string> = [
  'debate',
  'experiment_design',
  'persona_workspace',
  'showcase_review'
];
const ROLES: ReadonlyArray<string> = ['input', 'reference', 'workbench'];

export function addChamberCommands(app: JupyterFrontEnd, views: Views): void {
  const { commands } = app;

  commands.addCommand(CommandIDs.newChamber, {
    label: 'New Chamber',
    caption: 'Open a chamber: a working set that pins exact versions',
    execute: (args: Args) =>
      reported('Opening a chamber failed', async () => {
        let name = stringArg(args, 'name');
        let purpose =
          stringArg(args, 'purpose') ??
          (name ? 'experiment_design' : undefined);
        if (purpose !== undefined && !PURPOSES.includes(purpose)) {
          throw new ArgumentError(
            `The argument "purpose" must be one of ${PURPOSES.join(', ')}.`
          );
        }
        if (!name) {
          const asked = await askNewChamber();
          if (asked === null) {
            return null;
          }
          ({ name, purpose } = asked);
        }
        const chamber = await createChamber({
          name,
          purpose: purpose as Purpose
        });
        await views.openChamber(chamber.id);
        return { id: chamber.id, name: chamber.name };
      })
  });

  commands.addCommand(CommandIDs.openChamber, {
    label: args => (args.id ? `Open Chamber ${args.id}` : 'Open Chamber'),
    caption:
      'A chamber with its pinned versions and, once closed, its provenance hash',
    execute: (args: Args) =>
      reported('Opening the chamber failed', async () => {
        const given = await argOrAsk(
          args,
          'id',
          'Open a chamber',
          'the chamber id (a UUID)'
        );
        if (given !== null) {
          await views.openChamber(stringArg(given, 'id', true) as string);
        }
      })
  });

  commands.addCommand(CommandIDs.pullIntoChamber, {
    label: args =>
      args.ref ? `Pull ${args.ref} into a Chamber…` : 'Pull into Chamber…',
    caption: 'Pin exactly this version into a chamber',
    execute: (args: Args) =>
      reported('The pull failed', async () => {
        const role = stringArg(args, 'role') ?? 'reference';
        if (!ROLES.includes(role)) {
          throw new ArgumentError(
            `The argument "role" must be one of ${ROLES.join(', ')}.`
          );
        }
        // With no arguments at all (the palette), the dialog asks for everything.
        const choose = args.choose === true || Object.keys(args).length === 0;
        const text = args.ref === undefined && choose ? '' : formatArgRef(args);
        const chamberId =
          stringArg(args, 'chamber_id') ?? views.lastChamber ?? '';
        // Menus and buttons ask (`choose`), and the dialog stays open on a failed pull;
        // a caller with arguments never sees a dialog.
        const done = choose
          ? await askPull({ ref: text, chamberId, role: role as Role }, c =>
              pull(views, c.ref, c.chamberId, c.role)
            )
          : await pull(views, text, chamberId, role as Role);
        if (done === null) {
          return null;
        }
        const { chamber, outcome } = done;
        await views.chamberView(chamber.id)?.load();
        (outcome.pinned ? Notification.success : Notification.info)(
          outcome.message,
          { autoClose: 8000 }
        );
        return {
          chamber_id: chamber.id,
          pins: chamber.artifacts.length,
          ref: outcome.ref,
          role: outcome.role,
          already_pinned: !outcome.pinned
        };
      })
  });

  commands.addCommand(CommandIDs.closeChamber, {
    label: 'Close Chamber…',
    caption:
      'Close a chamber and take its provenance hash (it never changes again)',
    execute: (args: Args) =>
      reported('Closing the chamber failed', async () => {
        const id = stringArg(args, 'id') ?? views.lastChamber;
        if (!id) {
          throw new ArgumentError(
            'Give the chamber to close ("id"), or open it first.'
          );
        }
        const chamber = await getChamber(id);
        const confirmed = await confirmClose(chamber.name);
        if (confirmed === null) {
          return null;
        }
        const closed = await closeChamber(id, confirmed.result);
        const view = (await views.openChamber(id)).content;
        await view.load();
        return { id: closed.id, provenance_hash: closed.provenance_hash };
      })
  });

  commands.addCommand(CommandIDs.openPersonaWorkspace, {
    label: args =>
      args.id ? `Open the Workspace of ${args.id}` : 'Open Persona Workspace',
    caption: "Open (or create) a persona's workspace chamber",
    execute: (args: Args) =>
      reported('Opening the workspace failed', async () => {
        const chamber = await openPersonaWorkspace(
          refArg(args, 'id').artifactId
        );
        await views.openChamber(chamber.id);
        return { id: chamber.id };
      })
  });

  commands.addCommand(CommandIDs.openDebates, {
    label: 'Open Debates',
    caption: 'The debates, newest first',
    execute: () =>
      reported('Opening the debates failed', async () => {
        await views.openDebates();
      })
  });

  commands.addCommand(CommandIDs.openDebate, {
    label: args => (args.id ? `Open Debate ${args.id}` : 'Open Debate'),
    caption: "A debate's transcript, with the versions it cited",
    execute: (args: Args) =>
      reported('Opening the debate failed', async () => {
        const given = await argOrAsk(
          args,
          'id',
          'Open a debate',
          'the debate id'
        );
        if (given !== null) {
          await views.openDebate(stringArg(given, 'id', true) as string);
        }
      })
  });
}

/**
 * Pin `text` (`X@vN`, or a bare id for the latest) and tell what really happened: the
 * chamber's pins before and after say whether the version was pinned already, and as what.
 */
async function pull(
  views: Views,
  text: string,
  chamberId: string,
  role: Role
): Promise<{ chamber: Chamber; outcome: IPullOutcome }> {
  if (!chamberId) {
    throw new ArgumentError(
      'Open or create a chamber first, or give "chamber_id".'
    );
  }
  const ref = refArg({ ref: text }, 'ref');
  const asked =
    ref.version === undefined
      ? ref.artifactId
      : formatRef(ref.artifactId, ref.version);
  const before = await getChamber(chamberId);
  const chamber = await pullIntoChamber(chamberId, [
    { artifact_id: asked, role }
  ]);
  views.lastChamber = chamberId;
  const outcome = describePull(
    asked,
    role,
    chamber.name,
    before.artifacts,
    chamber.artifacts
  );
  return { chamber, outcome };
}

function formatArgRef(args: Args): string {
  const ref = refArg(args, 'ref');
  return ref.version === undefined
    ? ref.artifactId
    : formatRef(ref.artifactId, ref.version);
}
