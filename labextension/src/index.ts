import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { LabIcon } from '@jupyterlab/ui-components';

import { getStatus } from './api';
import { LiveUpdates } from './events';
import { ArtifactsAPIError } from './request';
import {
  CommandIDs,
  ILiveUpdates,
  LIVE_PLUGIN_ID,
  PLUGIN_ID,
  SIDEBAR_ID,
  STATUS_ENDPOINT
} from './tokens';
import { ArtifactsSidebar } from './widgets/ArtifactsSidebar';

/** A stack of versioned sheets. */
const artifactsIcon = new LabIcon({
  name: 'jupyter_artifacts:artifacts',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">' +
    '<g class="jp-icon3" fill="#616161">' +
    '<path d="M12 2 2 7l10 5 10-5-10-5zm0 12.2L4.2 10.3 2 11.4l10 5 10-5-2.2-1.1L12 14.2z' +
    'm0 4.4-7.8-3.9L2 15.8l10 5 10-5-2.2-1.1-7.8 3.9z"/>' +
    '</g></svg>'
});

/**
 * Ask the server extension for its status once at start-up, and say clearly
 * when it is missing or its database is down.
 */
async function checkServer(): Promise<void> {
  try {
    const status = await getStatus();
    if (!status.database?.ok) {
      const message =
        'jupyter_artifacts: the server extension is running but its database ' +
        'is not available.';
      console.warn(message, status);
      Notification.warning(message, { autoClose: false });
      return;
    }
    console.debug(
      `jupyter_artifacts: server extension ${status.version}, ` +
        `PostgreSQL ${status.database.server_version ?? '?'}, ` +
        `schema ${status.database.schema_version ?? '?'}` +
        (status.database.embedded ? ' (embedded)' : '')
    );
  } catch (error) {
    const missing = error instanceof ArtifactsAPIError && error.status === 404;
    const message = missing
      ? 'jupyter_artifacts: the server extension is not installed or not ' +
        `enabled (GET ${STATUS_ENDPOINT} answered 404). Install the Python ` +
        'package in the environment that runs the Jupyter server, or run ' +
        '`jupyter server extension enable jupyter_artifacts`.'
      : `jupyter_artifacts: status check failed: ${
          error instanceof Error ? error.message : String(error)
        }`;
    console.error(message);
    Notification.error(message, { autoClose: false });
  }
}

/** Changes on the shared database, from the server's event stream. */
const livePlugin: JupyterFrontEndPlugin<LiveUpdates> = {
  id: LIVE_PLUGIN_ID,
  description: 'Live updates: changes on the shared artifacts database.',
  autoStart: true,
  provides: ILiveUpdates,
  activate: (app: JupyterFrontEnd): LiveUpdates =>
    new LiveUpdates({
      events: app.serviceManager.events,
      connectionFailure: app.serviceManager.connectionFailure
    })
};

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'Browse immutable, versioned research artifacts stored by jupyter_artifacts.',
  autoStart: true,
  requires: [ILiveUpdates],
  optional: [ILayoutRestorer, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    live: LiveUpdates,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null
  ): void => {
    const sidebar = new ArtifactsSidebar(live);
    sidebar.id = SIDEBAR_ID;
    sidebar.title.icon = artifactsIcon;
    sidebar.title.caption = 'Artifacts';
    app.shell.add(sidebar, 'left', { rank: 600 });
    restorer?.add(sidebar, SIDEBAR_ID);

    app.commands.addCommand(CommandIDs.openSidebar, {
      label: 'Show Artifacts',
      caption: 'Open the Artifacts sidebar',
      icon: artifactsIcon,
      execute: () => app.shell.activateById(SIDEBAR_ID)
    });
    app.commands.addCommand(CommandIDs.refresh, {
      label: 'Refresh Artifacts',
      caption: 'Reload the artifact list',
      execute: () => sidebar.refresh()
    });
    if (palette) {
      const category = 'Artifacts';
      palette.addItem({ command: CommandIDs.openSidebar, category });
      palette.addItem({ command: CommandIDs.refresh, category });
    }

    void checkServer();
  }
};

export default [livePlugin, plugin];
