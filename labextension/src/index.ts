/**
 * The plugins: live updates, the sidebar, the main-area views, the notebook
 * integration. Each is small; the work is in the modules they wire together.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, IToolbarWidgetRegistry, Notification } from '@jupyterlab/apputils';
import { IEditorServices } from '@jupyterlab/codeeditor';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ISettingRegistry } from '@jupyterlab/settingregistry';

import { getStatus } from './api';
import { addBranchCommands } from './branchCommands';
import { addChamberCommands } from './chamberCommands';
import { createChipMenu } from './chipmenu';
import { addNotebookCommands, addSidebarCommands, addViewCommands } from './commands';
import { LiveUpdates } from './events';
import { addReplayCommands } from './replayCommands';
import { ReplayStore } from './replays';
import { artifactsIcon } from './icons';
import { ArtifactsAPIError } from './request';
import {
  CommandIDs,
  DEFAULT_SETTINGS,
  IArtifactViews,
  ILiveUpdates,
  ISettings,
  LIVE_PLUGIN_ID,
  NOTEBOOK_PLUGIN_ID,
  PLUGIN_ID,
  SIDEBAR_ID,
  STATUS_ENDPOINT,
  VIEWS_PLUGIN_ID
} from './tokens';
import { addVersionTabCommands } from './versionCommands';
import { Views } from './views';
import { ArtifactsSidebar } from './widgets/ArtifactsSidebar';
import { WorkingCopyStatus } from './widgets/WorkingCopyStatus';

const CATEGORY = 'Artifacts';

/**
 * Ask the server extension for its status once at start-up, and say clearly
 * when it is missing or its database is down.
 */
async function checkServer(): Promise<void> {
  try {
    const status = await getStatus();
    if (!status.database?.ok) {
      Notification.warning(
        'jupyter_artifacts: the server extension is running but its database is not available' +
          (status.database?.error ? `: ${status.database.error}` : '.'),
        { autoClose: false }
      );
    }
  } catch (error) {
    const missing = error instanceof ArtifactsAPIError && error.status === 404;
    Notification.error(
      missing
        ? 'jupyter_artifacts: the server extension is not installed or not enabled ' +
            `(GET ${STATUS_ENDPOINT} answered 404). Install the Python package in the ` +
            'environment that runs the Jupyter server, or run ' +
            '`jupyter server extension enable jupyter_artifacts`.'
        : `jupyter_artifacts: status check failed: ${error instanceof Error ? error.message : String(error)}`,
      { autoClose: false }
    );
  }
}

/** The user's settings, kept current. */
class Settings {
  value: ISettings = { ...DEFAULT_SETTINGS };
  constructor(registry: ISettingRegistry | null, onChange: (s: ISettings) => void = () => undefined) {
    if (!registry) {
      return;
    }
    registry.load(PLUGIN_ID).then(
      settings => {
        const read = () => {
          this.value = { ...DEFAULT_SETTINGS, ...(settings.composite as Partial<ISettings>) };
          onChange(this.value);
        };
        read();
        settings.changed.connect(read);
      },
      reason => console.warn('jupyter_artifacts: settings could not be loaded', reason)
    );
  }
}

/** Changes on the shared database, from the server's event stream. */
const livePlugin: JupyterFrontEndPlugin<LiveUpdates> = {
  id: LIVE_PLUGIN_ID,
  description: 'Live updates: changes on the shared artifacts database.',
  autoStart: true,
  provides: ILiveUpdates,
  optional: [ISettingRegistry],
  activate: (app: JupyterFrontEnd, registry: ISettingRegistry | null): LiveUpdates => {
    const live = new LiveUpdates({
      events: app.serviceManager.events,
      connectionFailure: app.serviceManager.connectionFailure
    });
    new Settings(registry, s => (live.enabled = s.liveUpdates));
    return live;
  }
};

const sidebarPlugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'Browse and search immutable, versioned research artifacts.',
  autoStart: true,
  requires: [ILiveUpdates],
  optional: [ILayoutRestorer, ICommandPalette, ISettingRegistry],
  activate: (
    app: JupyterFrontEnd,
    live: LiveUpdates,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    registry: ISettingRegistry | null
  ): void => {
    const settings = new Settings(registry);
    const sidebar = new ArtifactsSidebar({
      live,
      openVersion: ref => void app.commands.execute(CommandIDs.openVersion, { ref }),
      chipMenu: createChipMenu(app.commands),
      pageSize: () => settings.value.pageSize,
      openChamber: id => void app.commands.execute(CommandIDs.openChamber, { id }),
      newChamber: () => void app.commands.execute(CommandIDs.newChamber),
      openDebate: id => void app.commands.execute(CommandIDs.openDebate, { id }),
      openDebates: () => void app.commands.execute(CommandIDs.openDebates)
    });
    sidebar.id = SIDEBAR_ID;
    sidebar.title.icon = artifactsIcon;
    sidebar.title.caption = 'Artifacts';
    app.shell.add(sidebar, 'left', { rank: 600 });
    restorer?.add(sidebar, SIDEBAR_ID);
    addSidebarCommands(app, live);
    for (const command of [CommandIDs.openSidebar, CommandIDs.refresh]) {
      palette?.addItem({ command, category: CATEGORY });
    }
    void checkServer();
  }
};

const viewsPlugin: JupyterFrontEndPlugin<Views> = {
  id: VIEWS_PLUGIN_ID,
  description: 'Read-only versions, histories and diffs of artifacts in the main area.',
  autoStart: true,
  provides: IArtifactViews,
  requires: [ILiveUpdates, IRenderMimeRegistry, IEditorServices],
  optional: [ILayoutRestorer, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    live: LiveUpdates,
    rendermime: IRenderMimeRegistry,
    editorServices: IEditorServices,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null
  ): Views => {
    const chipMenu = createChipMenu(app.commands);
    const replays = new ReplayStore({ live });
    const views = new Views(app, { commands: app.commands, rendermime, editorServices, live, chipMenu, replays }, restorer);
    addViewCommands(app, views);
    addReplayCommands(app, views);
    addVersionTabCommands(app, views);
    addChamberCommands(app, views);
    for (const command of [CommandIDs.openVersion, CommandIDs.showHistory, CommandIDs.openDiff, CommandIDs.openLineage, CommandIDs.newChamber,
      CommandIDs.openChamber, CommandIDs.pullIntoChamber, CommandIDs.closeChamber, CommandIDs.openDebates,
      CommandIDs.openDebate, CommandIDs.openPersonaWorkspace, CommandIDs.openCopy, CommandIDs.keepOpen,
      CommandIDs.replayVersion]) {
      palette?.addItem({ command, category: CATEGORY });
    }
    return views;
  }
};

/** The toolbar item name of the working-copy status (schema/plugin.json). */
const STATUS_TOOLBAR_ITEM = 'jupyter-artifacts-status';

const notebooksPlugin: JupyterFrontEndPlugin<void> = {
  id: NOTEBOOK_PLUGIN_ID,
  description: 'Register notebooks as artifacts, append cells, commit edits, fork, merge and split versions.',
  autoStart: true,
  requires: [INotebookTracker, ILiveUpdates, IArtifactViews],
  optional: [ICommandPalette, ISettingRegistry, IToolbarWidgetRegistry],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    live: LiveUpdates,
    views: Views,
    palette: ICommandPalette | null,
    registry: ISettingRegistry | null,
    toolbars: IToolbarWidgetRegistry | null
  ): void => {
    const settings = new Settings(registry);
    addNotebookCommands({
      app,
      tracker,
      settings: () => settings.value,
      openVersion: ref => void app.commands.execute(CommandIDs.openVersion, { ref })
    });
    addBranchCommands({ app, tracker, views });
    // The working-copy status, named in schema/plugin.json's Notebook toolbar.
    toolbars?.addFactory<NotebookPanel>('Notebook', STATUS_TOOLBAR_ITEM,
      panel => new WorkingCopyStatus(panel, live, app.commands));
    for (const command of [CommandIDs.registerNotebook, CommandIDs.appendCell, CommandIDs.commitNotebook,
      CommandIDs.forkArtifact, CommandIDs.mergeNotebook, CommandIDs.splitNotebook, CommandIDs.diffWorkingCopy,
      CommandIDs.updateWorkingCopy]) {
      palette?.addItem({ command, category: CATEGORY });
    }
  }
};

export default [livePlugin, sidebarPlugin, viewsPlugin, notebooksPlugin];
