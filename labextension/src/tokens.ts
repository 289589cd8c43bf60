/**
 * Identifiers shared by the plugins and their widgets: plugin ids, the command
 * ids of shared/UI.md (the plugin's public API), tokens, settings keys.
 */
import { Token } from '@lumino/coreutils';

import type { LiveUpdates } from './events';
import type { Views } from './views';

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

/** The main-area views (version, history, diff, lineage, merge), for the notebook integration to open. */
export const IArtifactViews = new Token<Views>(
  'jupyter_artifacts:IArtifactViews',
  'Opens the main-area views of artifacts (versions, histories, diffs, lineages, merges).'
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
  /** Record the notebook as it is now as its next version (issue 16). */
  export const commitNotebook = 'jupyter-artifacts:commit-notebook';
  /** Fork a version into a new artifact and open its v1. */
  export const forkArtifact = 'jupyter-artifacts:fork-artifact';
  /** Three-way merge of another version into a notebook's head (nbdime). */
  export const mergeNotebook = 'jupyter-artifacts:merge-notebook';
  /** Chosen cells of the notebook's version become v1 of a new notebook. */
  export const splitNotebook = 'jupyter-artifacts:split-notebook';
  /** The diff of the working copy against the version its metadata names (an addition). */
  export const diffWorkingCopy = 'jupyter-artifacts:diff-working-copy';
  /** Bring a working copy that is behind up to the head: replace or merge (an addition). */
  export const updateWorkingCopy = 'jupyter-artifacts:update-working-copy';
  /** A version's notebook as a new, editable notebook file (an addition). */
  export const openCopy = 'jupyter-artifacts:open-copy';
  /** Back and forward within a version tab (Alt+Left, Alt+Right), and pinning the preview tab (additions). */
  export const versionBack = 'jupyter-artifacts:version-back';
  export const versionForward = 'jupyter-artifacts:version-forward';
  export const keepOpen = 'jupyter-artifacts:keep-open';
  /** Re-execute exactly a notebook version in a fresh kernel; resolves with the finished replay (issue 21). */
  export const replayVersion = 'jupyter-artifacts:replay-version';
  /** nbdime's diff of a replay's stored outputs against the replayed ones, `Replay NB-12@v3` (an addition). */
  export const openReplayDiff = 'jupyter-artifacts:open-replay-diff';
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
