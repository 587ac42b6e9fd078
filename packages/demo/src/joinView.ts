/**
 * The join view: a preview of one's camera with the camera and microphone pickers and the
 * "join with microphone / camera off" toggles; user and room names (checked before anything is
 * sent, with the reason shown next to the field); the rooms that exist now (from the server's
 * `GET /getAllRooms`); and the shareable `#/rooms/NAME` link that opens this view with the room
 * filled in.
 */
import { deviceOf, fillDeviceSelect, listDevices } from './devices.js';
import { byId, el, setLabel } from './dom.js';
import { Preview, type DeviceChoice } from './preview.js';
import { checkName, roomFromHash, shareLink } from './validation.js';

export interface JoinRequest extends DeviceChoice {
  user: string;
  room: string;
  /** Join muted / with the camera off, as chosen on the preview. */
  audioOn: boolean;
  videoOn: boolean;
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
  private readonly cameraSelect = byId<HTMLSelectElement>('cameraSelect');
  private readonly micSelect = byId<HTMLSelectElement>('micSelect');
  private readonly micToggle = byId<HTMLButtonElement>('previewMic');
  private readonly cameraToggle = byId<HTMLButtonElement>('previewCamera');
  private readonly preview = new Preview(byId<HTMLVideoElement>('previewVideo'), byId('previewMessage'));
  private audioOn = true;
  private videoOn = true;
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
    // Another device or quality restarts the preview with it.
    for (const select of [this.cameraSelect, this.micSelect, this.quality]) select.addEventListener('change', () => void this.startPreview());
    this.micToggle.addEventListener('click', () => this.setToggles(!this.audioOn, this.videoOn));
    this.cameraToggle.addEventListener('click', () => this.setToggles(this.audioOn, !this.videoOn));
    navigator.mediaDevices?.addEventListener('devicechange', () => {
      if (!this.view.hidden) void this.fillDevices();
    });
    window.addEventListener('hashchange', () => this.applyHash());
    this.applyHash();
    this.setToggles(true, true);
  }

  show(): void {
    this.view.hidden = false;
    this.setBusy(false);
    void this.startPreview();
    void this.refreshRooms();
    clearInterval(this.refreshTimer);
    this.refreshTimer = setInterval(() => void this.refreshRooms(), ROOM_LIST_REFRESH_MS);
    (this.name.value ? this.roomName.value ? this.joinBtn : this.roomName : this.name).focus();
  }

  hide(): void {
    this.view.hidden = true;
    this.preview.stop();
    clearInterval(this.refreshTimer);
  }

  /** The preview's capture, for the call to publish (undefined when the camera could not start). */
  takePreview(): Promise<MediaStream | undefined> {
    return this.preview.take();
  }

  private async startPreview(): Promise<void> {
    await this.preview.start(this.choice());
    await this.fillDevices();
  }

  /** The pickers list what the browser has, with the devices the preview captures selected. */
  private async fillDevices(): Promise<void> {
    const media = this.preview.current();
    const [cameras, mics] = await Promise.all([listDevices('videoinput'), listDevices('audioinput')]);
    fillDeviceSelect(this.cameraSelect, cameras, deviceOf(media?.getVideoTracks()[0]) ?? this.cameraSelect.value, 'Camera');
    fillDeviceSelect(this.micSelect, mics, deviceOf(media?.getAudioTracks()[0]) ?? this.micSelect.value, 'Microphone');
  }

  private choice(): DeviceChoice {
    return {
      quality: this.quality.value === 'low' ? 'low' : 'standard',
      cameraId: this.cameraSelect.disabled ? undefined : this.cameraSelect.value || undefined,
      micId: this.micSelect.disabled ? undefined : this.micSelect.value || undefined,
    };
  }

  private setToggles(audioOn: boolean, videoOn: boolean): void {
    this.audioOn = audioOn;
    this.videoOn = videoOn;
    this.preview.setEnabled(audioOn, videoOn);
    this.micToggle.toggleAttribute('data-off', !audioOn);
    this.cameraToggle.toggleAttribute('data-off', !videoOn);
    setLabel(this.micToggle, audioOn ? 'Turn microphone off' : 'Turn microphone on');
    setLabel(this.cameraToggle, videoOn ? 'Turn camera off' : 'Turn camera on');
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
    this.onJoin({ user, room, ...this.choice(), audioOn: this.audioOn, videoOn: this.videoOn });
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
