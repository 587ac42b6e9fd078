/**
 * The join view: user and room names (checked before anything is sent, with the reason shown
 * next to the field), the rooms that exist now (from the server's `GET /getAllRooms`), and the
 * shareable `#/rooms/NAME` link that opens this view with the room filled in.
 */
import { byId, el } from './dom.js';
import { checkName, roomFromHash, shareLink } from './validation.js';

export type Quality = 'standard' | 'low';

export interface JoinRequest {
  user: string;
  room: string;
  quality: Quality;
}

/** The room list is refreshed this often while the join view is shown. */
const ROOM_LIST_REFRESH_MS = 5000;

export class JoinView {
  private readonly view = byId('joinView');
  private readonly form = byId<HTMLFormElement>('joinForm');
  private readonly name = byId<HTMLInputElement>('name');
  private readonly roomName = byId<HTMLInputElement>('roomName');
  private readonly quality = byId<HTMLSelectElement>('quality');
  private readonly joinBtn = byId<HTMLButtonElement>('joinBtn');
  private readonly joinError = byId('joinError');
  private readonly share = byId<HTMLInputElement>('shareLink');
  private readonly copy = byId<HTMLButtonElement>('copyLink');
  private refreshTimer?: ReturnType<typeof setInterval>;

  constructor(private readonly onJoin: (request: JoinRequest) => void) {
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.submit();
    });
    // Re-check a field once the user has been told what is wrong with it.
    this.name.addEventListener('input', () => this.name.classList.contains('invalid') && this.check('name'));
    this.roomName.addEventListener('input', () => {
      if (this.roomName.classList.contains('invalid')) this.check('roomName');
      this.updateShareLink();
    });
    this.copy.addEventListener('click', () => void this.copyLink());
    byId('refreshRooms').addEventListener('click', () => void this.refreshRooms());
    window.addEventListener('hashchange', () => this.applyHash());
    this.applyHash();
  }

  show(): void {
    this.view.hidden = false;
    this.setBusy(false);
    void this.refreshRooms();
    clearInterval(this.refreshTimer);
    this.refreshTimer = setInterval(() => void this.refreshRooms(), ROOM_LIST_REFRESH_MS);
    (this.name.value ? this.roomName.value ? this.joinBtn : this.roomName : this.name).focus();
  }

  hide(): void {
    this.view.hidden = true;
    clearInterval(this.refreshTimer);
  }

  /** While joining: the button says what is happening and a second click does nothing. */
  setBusy(busy: boolean, label = 'Joining…'): void {
    this.joinBtn.disabled = busy;
    this.joinBtn.textContent = busy ? label : 'Join room';
  }

  /** A failure to join, shown above the button; the form stays filled in for another try. */
  showError(message: string): void {
    this.joinError.textContent = message;
    this.joinError.hidden = false;
  }

  clearError(): void {
    this.joinError.textContent = '';
    this.joinError.hidden = true;
  }

  private submit(): void {
    this.clearError();
    const user = this.check('name');
    const room = this.check('roomName');
    if (user === undefined || room === undefined) {
      (user === undefined ? this.name : this.roomName).focus();
      return;
    }
    this.onJoin({ user, room, quality: this.quality.value === 'low' ? 'low' : 'standard' });
  }

  /** Validates one field, shows or clears its reason, and returns the value when valid. */
  private check(field: 'name' | 'roomName'): string | undefined {
    const input = field === 'name' ? this.name : this.roomName;
    const result = checkName(field === 'name' ? 'User name' : 'Room name', input.value);
    const reason = byId(`${field}Error`);
    input.classList.toggle('invalid', !result.ok);
    input.setAttribute('aria-invalid', String(!result.ok));
    reason.textContent = result.ok ? '' : result.reason;
    return result.ok ? result.value : undefined;
  }

  private applyHash(): void {
    const room = roomFromHash(location.hash);
    if (room !== undefined) this.roomName.value = room;
    this.updateShareLink();
  }

  private updateShareLink(): void {
    const room = checkName('Room name', this.roomName.value);
    this.share.value = room.ok ? shareLink(location.href, room.value) : '';
    this.copy.disabled = !room.ok;
  }

  private async copyLink(): Promise<void> {
    try {
      await navigator.clipboard.writeText(this.share.value);
      this.copy.textContent = 'Copied';
    } catch {
      // No clipboard permission (e.g. plain http on another host): select it for a manual copy.
      this.share.select();
      this.copy.textContent = 'Press Ctrl+C';
    }
    setTimeout(() => (this.copy.textContent = 'Copy'), 2000);
  }

  /** Fills the list and the room field's suggestions from `/getAllRooms`. */
  private async refreshRooms(): Promise<void> {
    let rooms: string[];
    try {
      const response = await fetch('/getAllRooms', { cache: 'no-store' });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const body: unknown = await response.json();
      rooms = Array.isArray(body) ? body.filter((r): r is string => typeof r === 'string').sort() : [];
    } catch {
      byId('roomListEmpty').textContent = 'The list of rooms is not available right now.';
      byId('roomListEmpty').hidden = false;
      return;
    }
    const list = byId('roomList');
    const options = byId('roomOptions');
    list.replaceChildren();
    options.replaceChildren();
    for (const room of rooms) {
      const item = el('li');
      const pick = el('button', 'room-chip', room);
      pick.type = 'button';
      pick.dataset.room = room;
      pick.addEventListener('click', () => {
        this.roomName.value = room;
        this.check('roomName');
        this.updateShareLink();
        (this.name.value ? this.joinBtn : this.name).focus();
      });
      item.append(pick);
      list.append(item);
      const option = el('option');
      option.value = room;
      options.append(option);
    }
    byId('roomListEmpty').textContent = 'No rooms yet: type a name above to create one.';
    byId('roomListEmpty').hidden = rooms.length > 0;
  }
}
