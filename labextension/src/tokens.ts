/**
 * Identifiers shared by the plugins and their widgets: plugin ids, the command
 * ids of shared/UI.md (the plugin's public API), tokens, settings keys.
 */
import { Token } from '@lumino/coreutils';

import type { LiveUpdates } from './events';

/** The id of the sidebar plugin (also the id of the settings schema). */
export const PLUGIN_ID = 'jupyter_artifacts:plugin';

/** The id of the live-updates plugin. */
export const LIVE_PLUGIN_ID = 'jupyter_artifacts:live-updates';

/** The id of the plugin of the main-area views (version, history, diff). */
export const VIEWS_PLUGIN_ID = 'jupyter_artifacts:views';

/** The id of the notebook-integration plugin (register, append). */
export const NOTEBOOK_PLUGIN_ID = 'jupyter_artifacts:notebooks';

/** The id of the left-sidebar widget (also the DOM id). */
export const SIDEBAR_ID = 'jupyter-artifacts-sidebar';

/** The route of the service status, relative to the server's base URL. */
export const STATUS_ENDPOINT = 'api/jupyter_artifacts/status';

/** The jupyter_server event schema of every change (API.md, "Live updates"). */
export const CHANGE_SCHEMA_ID =
  'https://events.jupyter.org/jupyter_artifacts/change/v1';

/** Where a registered notebook keeps `{artifact_id, version_number}`. */
export const NOTEBOOK_METADATA_KEY = 'jupyter_artifacts';

/** The live-update stream of the page, for any view (or other extension) to follow. */
export const ILiveUpdates = new Token<LiveUpdates>(
  'jupyter_artifacts:ILiveUpdates',
  'Changes made anywhere on the shared artifacts database, as signals.'
);

/** Command ids (shared/UI.md): add freely, rename none. */
export namespace CommandIDs {
  export const openSidebar = 'jupyter-artifacts:open-sidebar';
  export const refresh = 'jupyter-artifacts:refresh';
  export const openVersion = 'jupyter-artifacts:open-version';
  export const registerNotebook = 'jupyter-artifacts:register-notebook';
  export const appendCell = 'jupyter-artifacts:append-cell';
  export const showHistory = 'jupyter-artifacts:show-history';
  export const openDiff = 'jupyter-artifacts:open-diff';
  export const openLineage = 'jupyter-artifacts:open-lineage';
  export const newChamber = 'jupyter-artifacts:new-chamber';
  export const openChamber = 'jupyter-artifacts:open-chamber';
  export const pullIntoChamber = 'jupyter-artifacts:pull-into-chamber';
  export const closeChamber = 'jupyter-artifacts:close-chamber';
  export const openDebates = 'jupyter-artifacts:open-debates';
  export const openDebate = 'jupyter-artifacts:open-debate';
  /** Download a notebook version as .ipynb (an addition to UI.md's list). */
  export const downloadVersion = 'jupyter-artifacts:download-version';
  /** Open (or create) a persona's workspace chamber (an addition). */
  export const openPersonaWorkspace = 'jupyter-artifacts:open-persona-workspace';
}

/** The user settings of schema/plugin.json. */
export interface ISettings {
  /** Execute appended cells unless the dialog or the caller says otherwise. */
  executeOnAppend: boolean;
  /** The method recorded for an append when none is given. */
  defaultMethod: string;
  /** Artifacts per page in the sidebar. */
  pageSize: number;
  /** Follow changes made anywhere (live updates). */
  liveUpdates: boolean;
}

export const DEFAULT_SETTINGS: ISettings = {
  executeOnAppend: false,
  defaultMethod: '',
  pageSize: 50,
  liveUpdates: true
};
