/**
 * What the user is told when something happens: short toasts for events that leave the call
 * usable, and a modal dialog for those that end it (the room is gone, the user was evicted,
 * the connection dropped). Each message says what happened and what the user can do.
 */
import { byId, el } from './dom.js';

export type Tone = 'info' | 'success' | 'warning' | 'error';

const TOAST_MS = 6000;

/** A toast in `#notices`; errors stay until dismissed, the rest fade after a few seconds. */
export function toast(message: string, tone: Tone = 'info'): HTMLElement {
  const box = byId('notices');
  const item = el('div', `toast toast-${tone}`);
  item.setAttribute('role', tone === 'error' ? 'alert' : 'status');
  item.append(el('span', 'toast-text', message));
  const close = el('button', 'toast-close', '×');
  close.type = 'button';
  close.setAttribute('aria-label', 'Dismiss');
  close.addEventListener('click', () => item.remove());
  item.append(close);
  box.append(item);
  if (tone !== 'error') setTimeout(() => item.remove(), TOAST_MS);
  return item;
}

/** Removes every toast (e.g. when leaving a call). */
export function clearToasts(): void {
  byId('notices').replaceChildren();
}

/**
 * Shows the modal `#dialog` with a title and a message; resolves when the user presses its
 * button. `kind` lands in `data-kind` so tests and styles can tell the dialogs apart.
 */
export function showDialog(kind: string, title: string, message: string, button = 'Back to start'): Promise<void> {
  const dialog = byId<HTMLDialogElement>('dialog');
  dialog.dataset.kind = kind;
  byId('dialogTitle').textContent = title;
  byId('dialogMessage').textContent = message;
  const ok = byId<HTMLButtonElement>('dialogOk');
  ok.textContent = button;
  if (!dialog.open) dialog.showModal();
  return new Promise((resolve) => {
    ok.onclick = () => {
      dialog.close();
      resolve();
    };
    // Escape closes a modal dialog too; treat it as the button.
    dialog.onclose = () => resolve();
  });
}

/** Turns anything thrown or emitted into a readable sentence. */
export function describeError(error: unknown): string {
  if (error && typeof error === 'object') {
    const { message, code, name } = error as { message?: unknown; code?: unknown; name?: unknown };
    const text = typeof message === 'string' && message ? message : typeof name === 'string' ? name : String(error);
    return typeof code === 'number' ? `${text} (code ${code})` : text;
  }
  return String(error);
}

/** The message for a refused camera/microphone, by the DOMException name browsers use. */
export function accessDeniedMessage(error: unknown): string {
  const name = (error as { name?: string } | undefined)?.name;
  if (name === 'NotFoundError' || name === 'OverconstrainedError') {
    return 'No camera or microphone was found. Connect one and try again.';
  }
  if (name === 'NotReadableError') {
    return 'The camera or microphone is in use by another application. Close it and try again.';
  }
  return 'Camera and microphone access was denied. Allow them for this site in the browser (the camera icon in the address bar) and try again.';
}
