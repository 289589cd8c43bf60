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

/** A sheet with a check: save the notebook as it is now as a new version. */
export const commitVersionIcon = new LabIcon({
  name: 'jupyter_artifacts:commit-version',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">' +
    '<g class="jp-icon3" fill="#616161">' +
    '<path d="M4 3h11l5 5v5h-2V9h-4V5H6v14h6v2H4V3z"/>' +
    '<path d="m14.5 18 1.4-1.4 1.8 1.8 4-4 1.4 1.4-5.4 5.4-3.2-3.2z"/>' +
    '</g></svg>'
});

/** Two branches from one stem: fork a version. */
export const forkIcon = new LabIcon({
  name: 'jupyter_artifacts:fork',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">' +
    '<g class="jp-icon3" fill="#616161">' +
    '<path d="M6 2a3 3 0 0 1 1 5.83V10c0 1.1.9 2 2 2h6a2 2 0 0 0 2-2V7.83a3 3 0 1 1 2 0V10a4 4 0 0 1-4 4h-2v2.17a3 3 0 1 1-2 0V14H9a4 4 0 0 1-4-4V7.83A3 3 0 0 1 6 2z"/>' +
    '</g></svg>'
});

/** Two lines joining: merge. */
export const mergeIcon = new LabIcon({
  name: 'jupyter_artifacts:merge',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">' +
    '<g class="jp-icon3" fill="#616161">' +
    '<path d="M7 2a3 3 0 0 1 1 5.83v1.4A6 6 0 0 0 13 14h1.17a3 3 0 1 1 0 2H13a8 8 0 0 1-5-2.1v2.27a3 3 0 1 1-2 0V7.83A3 3 0 0 1 7 2z"/>' +
    '</g></svg>'
});

/** A sheet cut in two: split cells into a new notebook. */
export const splitIcon = new LabIcon({
  name: 'jupyter_artifacts:split',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">' +
    '<g class="jp-icon3" fill="#616161">' +
    '<path d="M3 3h8v7H3V3zm2 2v3h4V5H5zM3 14h8v7H3v-7zm2 2v3h4v-3H5zM13 11h8v2h-8z"/>' +
    '<path d="m17 7 4 4h-8l4-4z"/>' +
    '</g></svg>'
});
