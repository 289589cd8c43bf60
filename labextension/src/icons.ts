/** The plugin's icons (theme-aware: `jp-icon3` follows the theme's icon colour). */
import { LabIcon } from '@jupyterlab/ui-components';

/** A stack of versioned sheets. */
export const artifactsIcon = new LabIcon({
  name: 'jupyter_artifacts:artifacts',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">' +
    '<g class="jp-icon3" fill="#616161">' +
    '<path d="M12 2 2 7l10 5 10-5-10-5zm0 12.2L4.2 10.3 2 11.4l10 5 10-5-2.2-1.1L12 14.2z' +
    'm0 4.4-7.8-3.9L2 15.8l10 5 10-5-2.2-1.1-7.8 3.9z"/>' +
    '</g></svg>'
});

/** A sheet with a plus: append this cell as a new version. */
export const appendVersionIcon = new LabIcon({
  name: 'jupyter_artifacts:append-version',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">' +
    '<g class="jp-icon3" fill="#616161">' +
    '<path d="M4 3h11l5 5v6h-2V9h-4V5H6v14h7v2H4V3z"/>' +
    '<path d="M18 15h2v3h3v2h-3v3h-2v-3h-3v-2h3v-3z"/>' +
    '</g></svg>'
});
