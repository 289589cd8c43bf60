/**
 * Replay commands (issue 21): `replay-version` re-executes exactly one
 * notebook version in a fresh kernel and resolves with the finished replay
 * (its verdict also shows in every badge of the page, and in one
 * notification); `open-replay-diff` shows nbdime's diff of the stored outputs
 * against the replayed ones. A replay is not a failure of the command when it
 * differs: the verdict is the answer.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';

import { getVersion, Replay, ReplayRequest } from './api';
import { argOrAsk, reported } from './commands';
import { intArg, refArg, stringArg } from './models';
import { verdictSentence } from './replayText';
import { CommandIDs } from './tokens';
import { Views } from './views';

type Args = ReadonlyPartialJSONObject;

/** One notification with the verdict; "Show the diff" when something came out otherwise. */
function announce(app: JupyterFrontEnd, r: Replay): void {
  const text = verdictSentence(r);
  if (r.status === 'reproduced') {
    Notification.success(text, { autoClose: 6000 });
    return;
  }
  Notification.warning(text, {
    autoClose: 12_000,
    actions: [
      {
        label: 'Show the diff',
        caption: 'The stored outputs against the replayed ones (nbdime)',
        callback: () =>
          void app.commands.execute(CommandIDs.openReplayDiff, { replay_id: r.replay_id, ref: r.ref }).catch(() => undefined)
      }
    ]
  });
}

export function addReplayCommands(app: JupyterFrontEnd, views: Views): void {
  const { commands } = app;
  commands.addCommand(CommandIDs.replayVersion, {
    label: args => (args.ref ? `Replay ${args.ref}` : 'Replay Notebook Version'),
    caption:
      'Re-execute every code cell of exactly this notebook version in a fresh kernel and record whether its outputs reproduce',
    execute: (args: Args) =>
      reported('The replay failed', async () => {
        const given = await argOrAsk(args, 'ref', 'Replay a notebook version', 'e.g. NB-12@v3 (an id for its latest)');
        if (given === null) {
          return null;
        }
        const ref = refArg(given, 'ref');
        const body: ReplayRequest = {};
        const timeout = intArg(given, 'timeout_s', { min: 1 });
        const kernel = stringArg(given, 'kernel_name');
        if (timeout !== undefined) {
          body.timeout_s = timeout;
        }
        if (kernel !== undefined) {
          body.kernel_name = kernel;
        }
        const n = ref.version ?? (await getVersion(ref.artifactId)).version_number;
        // Known to the store, so every badge of this notebook shows its progress.
        await views.services.replays.ensure(ref.artifactId);
        const replay = await views.services.replays.start(ref.artifactId, n, body);
        announce(app, replay);
        return replay as unknown as ReadonlyPartialJSONObject;
      })
  });
  commands.addCommand(CommandIDs.openReplayDiff, {
    label: args => (args.ref ? `Replay Diff of ${args.ref}` : 'Open Replay Diff'),
    caption: "nbdime's diff of a replay: the stored outputs against the replayed ones",
    execute: (args: Args) =>
      reported('Opening the replay diff failed', async () => {
        const id = stringArg(args, 'replay_id', true) as string;
        const ref = stringArg(args, 'ref');
        await views.openReplayDiff(id, ref && refArg(args, 'ref').version !== undefined ? ref : undefined);
      })
  });
}

