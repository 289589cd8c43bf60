/**
 * Command failures, said once. A failed command shows one notification and
 * rejects, so callers by id (other extensions, tests) can catch the reason.
 * Clicks, menus, the palette and key bindings run commands without catching
 * (`void commands.execute(...)`): the rejection of an error already shown is
 * then marked handled, so the console shows no "Uncaught (in promise)" for it.
 */
import { Notification } from '@jupyterlab/apputils';

import { describeError } from './request';

const said = new WeakSet<object>();
let listening = false;

/** Whether `error` was already shown to the user. */
export function isReported(error: unknown): boolean {
  return typeof error === 'object' && error !== null && said.has(error);
}

/**
 * Show `error` (unless shown already, e.g. by a command that ran this one) and
 * return it as an object the caller rethrows.
 */
export function report(what: string, error: unknown): unknown {
  const thrown =
    typeof error === 'object' && error !== null
      ? error
      : new Error(describeError(error));
  if (!said.has(thrown)) {
    said.add(thrown);
    Notification.error(`${what}: ${describeError(error)}`, {
      autoClose: false
    });
  }
  listen();
  return thrown;
}

/** Once per page: an unhandled rejection of a shown error is handled (it was shown). */
function listen(): void {
  if (listening) {
    return;
  }
  listening = true;
  window.addEventListener('unhandledrejection', event => {
    if (isReported(event.reason)) {
      event.preventDefault();
    }
  });
}
