/**
 * Identifiers shared by the plugins and their widgets.
 */
import { Token } from '@lumino/coreutils';

import type { LiveUpdates } from './events';

/** The id of the sidebar plugin. */
export const PLUGIN_ID = 'jupyter_artifacts:plugin';

/** The id of the live-updates plugin. */
export const LIVE_PLUGIN_ID = 'jupyter_artifacts:live-updates';

/** The jupyter_server event schema of every change (API.md, "Live updates"). */
export const CHANGE_SCHEMA_ID =
  'https://events.jupyter.org/jupyter_artifacts/change/v1';

/** The live-update stream of the page, for any view (or other extension) to follow. */
export const ILiveUpdates = new Token<LiveUpdates>(
  'jupyter_artifacts:ILiveUpdates',
  'Changes made anywhere on the shared artifacts database, as signals.'
);

/** The id of the left-sidebar widget (also the DOM id). */
export const SIDEBAR_ID = 'jupyter-artifacts-sidebar';

/** The route of the service status, relative to the server's base URL. */
export const STATUS_ENDPOINT = 'api/jupyter_artifacts/status';

/** Command ids. */
export namespace CommandIDs {
  /** Reveal the Artifacts sidebar. */
  export const openSidebar = 'jupyter-artifacts:open-sidebar';

  /** Reload the artifact list shown in the sidebar. */
  export const refresh = 'jupyter-artifacts:refresh';
}
