/**
 * Identifiers shared by the plugin and its widgets.
 */

/** The id of the one JupyterLab plugin of this package. */
export const PLUGIN_ID = 'jupyter_artifacts:plugin';

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
