/**
 * Notebook integration: register an open notebook as an artifact, and send a
 * cell as the notebook's next version. The notebook's own metadata keeps
 * `{artifact_id, version_number}` of the head it last appended to, so an
 * append is conditional on that head (`parent_version`): another writer's
 * version in between is a `stale_parent`, offered as a one-click retry.
 */
import { Notification } from '@jupyterlab/apputils';
import type * as nbformat from '@jupyterlab/nbformat';
import { NotebookPanel } from '@jupyterlab/notebook';

import {
  AppendCellRequest,
  Appended,
  appendCell,
  getNotebookInfo,
  registerNotebook,
  Registered,
  RegisterNotebookRequest
} from './api';
import { describeExecution, formatRef } from './models';
import { describeRegistered, trailingEmptyCells } from './registration';
import { ArtifactsAPIError } from './request';
import { NOTEBOOK_METADATA_KEY } from './tokens';
import { versionNotebook } from './versionCache';

export interface INotebookLink {
  artifact_id: string;
  version_number: number;
}

/** The artifact an open notebook is registered as, if any. */
export function notebookLink(panel: NotebookPanel): INotebookLink | null {
  const meta = panel.model?.getMetadata(NOTEBOOK_METADATA_KEY) as Partial<INotebookLink> | undefined;
  if (meta && typeof meta.artifact_id === 'string' && Number.isInteger(meta.version_number)) {
    return { artifact_id: meta.artifact_id, version_number: meta.version_number as number };
  }
  return null;
}

/** The link, or a sentence saying the notebook is not registered. */
export function requireLink(panel: NotebookPanel): INotebookLink {
  const link = notebookLink(panel);
  if (!link) {
    throw new ArtifactsAPIError(
      400,
      'This notebook is not registered as an artifact yet: register it first (the Register button on its toolbar, ' +
        'or "Register Notebook as Artifact" in the palette).',
      'invalid'
    );
  }
  return link;
}

export async function setLink(panel: NotebookPanel, link: INotebookLink): Promise<void> {
  panel.model?.setMetadata(NOTEBOOK_METADATA_KEY, { ...link });
  await panel.context.save();
}

/** An artifact id from a file name (`NB-12.ipynb` → `NB-12`), or undefined. */
export function idFromPath(path: string): string | undefined {
  const stem = (path.split('/').pop() ?? '').replace(/\.ipynb$/i, '');
  const id = stem.replace(/[^A-Za-z0-9._:-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 200);
  return id || undefined;
}

/** The append button's tooltip: what it does, or why it cannot yet. */
export function appendCaption(panel: NotebookPanel | null): string {
  if (!panel) {
    return 'Open a notebook to append its cells as versions';
  }
  const link = notebookLink(panel);
  return link
    ? `Send the active cell as ${formatRef(link.artifact_id, link.version_number + 1)}, the next version of ${link.artifact_id}`
    : 'Register this notebook first (the Register button on this toolbar): only a registered notebook takes appended cells as versions';
}

/** What a registration recorded: the server's reply and the trailing empty cells left out. */
export interface IRegistered extends Registered {
  left_out_trailing_empty: number;
}

/** "Registered NB-12@v1: 5 cells (left out 1 trailing empty cell)." */
export function registeredMessage(reply: IRegistered): string {
  return describeRegistered(formatRef(reply.notebook_id, reply.version_number), reply.cell_count,
    reply.left_out_trailing_empty);
}

/**
 * Register the notebook (saved first, so the server reads what is shown) and
 * record the link in its metadata. The file name becomes the id when free.
 * Trailing empty cells (the blank cell left after the last run) are not
 * content: the notebook is then sent without them; the route stores exactly
 * what it is sent.
 */
export async function register(panel: NotebookPanel): Promise<IRegistered> {
  const existing = notebookLink(panel);
  if (existing) {
    throw new ArtifactsAPIError(
      409,
      `This notebook is already registered as ${existing.artifact_id} (at v${existing.version_number}).`,
      'conflict'
    );
  }
  if (panel.context.model.dirty) {
    await panel.context.save();
  }
  const path = panel.context.path;
  const content = panel.context.model.toJSON() as unknown as nbformat.INotebookContent;
  const leftOut = trailingEmptyCells(content.cells);
  let request: RegisterNotebookRequest = { path };
  if (leftOut > 0) {
    // As the server titles a notebook read from `path`: its metadata's title, else the file's stem.
    const stem = (path.split('/').pop() ?? path).replace(/\.ipynb$/i, '');
    request = {
      notebook: { ...content, cells: content.cells.slice(0, content.cells.length - leftOut) },
      title: typeof content.metadata?.title === 'string' ? undefined : stem
    };
  }
  let reply: Registered;
  try {
    reply = await registerNotebook({ id: idFromPath(path), ...request });
  } catch (error) {
    if (error instanceof ArtifactsAPIError && (error.status === 409 || error.status === 400)) {
      reply = await registerNotebook(request); // the name is taken or no id: let the server name it
    } else {
      throw error;
    }
  }
  await setLink(panel, { artifact_id: reply.notebook_id, version_number: reply.version_number });
  return { ...reply, left_out_trailing_empty: leftOut };
}

export interface IAppendOptions {
  cellIndex: number;
  execute: boolean;
  method?: string;
  parameters?: Record<string, unknown>;
  rationale?: string;
  chamberId?: string;
  /** Append to this head instead of the one the metadata holds (a retry). */
  parentVersion?: number;
  /** Called with the new version's ref to show it. */
  open: (ref: string) => void;
}

/** What the UI shows of an append's outcome (also the command's result). */
export interface IAppendResult {
  reply: Appended;
  ref: string;
}

/**
 * Send the cell as the next version, with an in-progress notification while
 * it (maybe) executes; on success the cell shows the stored outputs and the
 * metadata follows the new head. A stale head offers a retry on the new one.
 */
export async function append(panel: NotebookPanel, options: IAppendOptions): Promise<IAppendResult | null> {
  const link = requireLink(panel);
  const cell = panel.content.widgets[options.cellIndex];
  if (!cell) {
    throw new ArtifactsAPIError(400, `The notebook has no cell ${options.cellIndex}.`, 'invalid');
  }
  const cellType = cell.model.type as 'code' | 'markdown' | 'raw';
  const body: AppendCellRequest = {
    source: cell.model.sharedModel.getSource(),
    cell_type: cellType,
    execute: options.execute && cellType === 'code',
    method: options.method,
    parameters: options.parameters ?? {},
    rationale: options.rationale,
    chamber_id: options.chamberId,
    parent_version: options.parentVersion ?? link.version_number
  };
  // The cell keeps the id it has here, so a later commit sees the same cell; a cell the version
  // holds already (appended again on purpose: the dialog warned) is a new copy with a new id.
  const held = await versionNotebook(link.artifact_id, body.parent_version as number).catch(() => null);
  if (held && !held.cells.some(c => c.id === cell.model.id)) {
    body.cell_id = cell.model.id;
  }
  const target = formatRef(link.artifact_id, (body.parent_version as number) + 1);
  const progress = Notification.emit(
    body.execute
      ? `Appending as ${target}: executing the cell in a fresh kernel…`
      : `Appending as ${target}…`,
    'in-progress',
    { autoClose: false }
  );
  let reply: Appended;
  try {
    reply = await appendCell(link.artifact_id, body);
  } catch (error) {
    Notification.dismiss(progress);
    if (error instanceof ArtifactsAPIError && error.reason === 'stale_parent') {
      await offerRetry(panel, link, options, error);
      return null;
    }
    throw error; // the command shows it
  }
  const ref = formatRef(reply.notebook_id, reply.version_number);
  Notification.update({
    id: progress,
    message: `Appended as ${ref} (${describeExecution(reply.execution)}).`,
    type: reply.execution.status === 'ok' || reply.execution.status === 'not_requested' ? 'success' : 'warning',
    autoClose: 10000,
    actions: [{ label: `Open ${ref}`, callback: () => options.open(ref) }]
  });
  if (body.execute && cell.model.type === 'code') {
    const code = cell.model as unknown as {
      outputs: { fromJSON(v: nbformat.IOutput[]): void };
      executionCount: number | null;
    };
    code.outputs.fromJSON(reply.outputs);
    // The reply has no execution count: the stored cell of the new version has it (so the
    // prompt reads [3]:, not [ ]:); an execute_result output carries it too.
    code.executionCount = await storedExecutionCount(reply);
  }
  await setLink(panel, { artifact_id: reply.notebook_id, version_number: reply.version_number });
  return { reply, ref };
}

/** The execution count of the appended cell as the new version stores it. */
async function storedExecutionCount(reply: Appended): Promise<number | null> {
  const stored = await versionNotebook(reply.notebook_id, reply.version_number)
    .then(nb => nb.cells[reply.cell_index] as nbformat.ICodeCell | undefined)
    .catch(() => undefined);
  if (typeof stored?.execution_count === 'number') {
    return stored.execution_count;
  }
  const result = reply.outputs.find(o => o.output_type === 'execute_result') as nbformat.IExecuteResult | undefined;
  return typeof result?.execution_count === 'number' ? result.execution_count : null;
}

async function offerRetry(
  panel: NotebookPanel,
  link: INotebookLink,
  options: IAppendOptions,
  error: ArtifactsAPIError
): Promise<void> {
  const info = await getNotebookInfo(link.artifact_id).catch(() => null);
  const latest = info?.latest_version;
  Notification.warning(
    `${error.message} Someone else appended to ${link.artifact_id} since this notebook's v${link.version_number}` +
      (latest ? `; its head is now v${latest}.` : '.'),
    {
      autoClose: false,
      actions: latest
        ? [
            {
              label: `Append to v${latest}`,
              caption: `Send this cell as ${formatRef(link.artifact_id, latest + 1)}`,
              callback: () => {
                void append(panel, { ...options, parentVersion: latest }).catch(e =>
                  Notification.error(e instanceof Error ? e.message : String(e), { autoClose: false })
                );
              }
            }
          ]
        : []
    }
  );
}
