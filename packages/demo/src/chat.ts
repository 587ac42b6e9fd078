/**
 * The chat panel. Messages go out with `kurento.sendMessage(room, user, text)` and come back to
 * everyone, the sender included, as the room's `newMessage` event, so a message appears only
 * once the server has relayed it. Text is always inserted with `textContent`: a message that
 * looks like HTML is shown as those characters, never parsed.
 */
import { byId, el } from './dom.js';

export class ChatPanel {
  private readonly panel = byId('chatPanel');
  private readonly list = byId('chatMessages');
  private readonly form = byId<HTMLFormElement>('chatForm');
  private readonly input = byId<HTMLInputElement>('chatInput');
  private readonly toggle = byId<HTMLButtonElement>('buttonChat');
  private readonly onToggle = () => this.setOpen(this.panel.hidden);
  private readonly onClose = () => this.setOpen(false);
  private readonly onSubmit = (event: Event) => {
    event.preventDefault();
    const text = this.input.value.trim();
    if (!text) return;
    this.input.value = '';
    this.send(text);
  };

  constructor(
    private readonly me: string,
    private readonly send: (text: string) => void,
  ) {
    this.list.replaceChildren();
    this.setOpen(false);
    this.toggle.addEventListener('click', this.onToggle);
    byId('closeChat').addEventListener('click', this.onClose);
    this.form.addEventListener('submit', this.onSubmit);
  }

  /** A relayed message. One from someone else opens the panel, as in the original demo. */
  add(user: string, message: string): void {
    const mine = user === this.me;
    const item = el('li', mine ? 'message mine' : 'message');
    item.dataset.user = user;
    item.append(el('span', 'message-user', mine ? 'You' : user), el('span', 'message-text', message));
    this.list.append(item);
    item.scrollIntoView({ block: 'end' });
    if (!mine && this.panel.hidden) this.setOpen(true);
  }

  /** A line from the demo itself (joins, leaves), styled apart from what people wrote. */
  addEvent(text: string): void {
    this.list.append(el('li', 'message event', text));
  }

  isOpen(): boolean {
    return !this.panel.hidden;
  }

  setOpen(open: boolean): void {
    this.panel.hidden = !open;
    this.toggle.setAttribute('aria-pressed', String(open));
    if (open) this.input.focus({ preventScroll: true });
  }

  /** Removes the listeners, so the next call's panel starts clean. */
  destroy(): void {
    this.toggle.removeEventListener('click', this.onToggle);
    byId('closeChat').removeEventListener('click', this.onClose);
    this.form.removeEventListener('submit', this.onSubmit);
    this.setOpen(false);
  }
}
