/**
 * The chat panel. Messages go out with `kurento.sendMessage(room, user, text)` and come back to
 * everyone, the sender included, as the room's `newMessage` event, so a message appears only
 * once the server has relayed it. Someone else's message never opens the panel or takes focus:
 * while the panel is closed it counts on the Chat button's unread badge, and it is read out by
 * screen readers through a polite live region. Text is always inserted with `textContent`: a
 * message that looks like HTML is shown as those characters, never parsed.
 */
import { byId, el } from './dom.js';

/** Messages kept in the panel; older ones are dropped so a long call does not grow the page forever. */
const MAX_MESSAGES = 500;

export class ChatPanel {
  private readonly list = byId('chatMessages');
  private readonly form = byId<HTMLFormElement>('chatForm');
  private readonly input = byId<HTMLInputElement>('chatInput');
  private readonly badge = byId('chatBadge');
  private readonly badgeCount = byId('chatBadgeCount');
  private readonly announcer = byId('chatAnnouncer');
  private unread = 0;
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
    private readonly isOpen: () => boolean,
  ) {
    this.list.replaceChildren();
    this.announcer.textContent = '';
    this.setUnread(0);
    this.form.addEventListener('submit', this.onSubmit);
  }

  /** A relayed message: shown in the panel, counted as unread while it is closed, announced. */
  add(user: string, message: string): void {
    const mine = user === this.me;
    const item = el('li', mine ? 'message mine' : 'message');
    item.dataset.user = user;
    item.append(el('span', 'message-user', mine ? 'You' : user), el('span', 'message-text', message));
    this.append(item);
    if (mine) return;
    if (!this.isOpen()) this.setUnread(this.unread + 1);
    // A new text node each time, so the same words twice are read out twice.
    this.announcer.replaceChildren(document.createTextNode(`${user} says: ${message}`));
  }

  /** A line from the demo itself (joins, leaves, screen shares), styled apart from what people wrote. */
  addEvent(text: string): void {
    this.append(el('li', 'message event', text));
  }

  /** The panel was opened or closed: opening reads everything. */
  opened(open: boolean): void {
    if (!open) return;
    this.setUnread(0);
    this.list.lastElementChild?.scrollIntoView({ block: 'end' });
  }

  destroy(): void {
    this.form.removeEventListener('submit', this.onSubmit);
    this.setUnread(0);
  }

  private append(item: HTMLElement): void {
    this.list.append(item);
    while (this.list.childElementCount > MAX_MESSAGES) this.list.firstElementChild!.remove();
    if (this.isOpen()) item.scrollIntoView({ block: 'end' });
  }

  private setUnread(count: number): void {
    this.unread = count;
    this.badgeCount.textContent = String(count);
    this.badge.hidden = count === 0;
  }
}
