/**
 * One stream's tile: its video, its name, what it is doing (microphone off, camera off with the
 * person's initial in its place, speaking) and its own buttons: pin it as the large tile, stop
 * receiving it (someone else's) or stop / resume sending it (one's own camera). Ids follow the
 * original demo, which the browser tests rely on: tile `video-<user>_<streamId>`, its `<video>`
 * `native-video-<user>_<streamId>`.
 */
import type { Stream } from '@kurento-room/client';
import { cloneTemplate, setLabel } from './dom.js';
import type { Rect } from './layout.js';

/** What the tile's buttons ask for; the stage passes them on to the call view. */
export interface TileActions {
  /** The video's size became known or changed (the large tile takes its shape). */
  resized(): void;
  pin(tile: Tile): void;
  stopReceiving(tile: Tile): void;
  toggleSending(tile: Tile): void;
}

export class Tile {
  readonly root = cloneTemplate('tileTemplate');
  readonly video = this.root.querySelector('video')!;
  private readonly name = this.root.querySelector<HTMLElement>('.tile-name')!;
  private readonly state = this.root.querySelector<HTMLElement>('.tile-state')!;
  private readonly avatar = this.root.querySelector<HTMLElement>('.avatar')!;
  private readonly pinButton = this.root.querySelector<HTMLButtonElement>('.tile-pin')!;
  private readonly stopButton = this.root.querySelector<HTMLButtonElement>('.tile-stop')!;
  private readonly sendButton = this.root.querySelector<HTMLButtonElement>('.tile-send')!;
  readonly id: string;
  readonly user: string;
  readonly screen: boolean;

  constructor(
    public stream: Stream,
    actions: TileActions,
  ) {
    this.id = stream.getGlobalID();
    this.user = stream.getParticipant().getID();
    this.screen = stream.getTypeOfVideo() === 'SCREEN';
    const local = stream.isLocal();
    this.root.id = `video-${this.id}`;
    this.video.id = `native-video-${this.id}`;
    // One's own voice must not come back through the speakers.
    this.video.muted = local;
    this.root.classList.toggle('local', local);
    this.root.classList.toggle('screen', this.screen);
    const label = this.screen ? (local ? `${this.user} (you, screen)` : `${this.user} (screen)`) : local ? `${this.user} (you)` : this.user;
    this.name.textContent = label;
    this.name.title = label;
    this.root.setAttribute('aria-label', label);
    this.avatar.textContent = [...this.user][0]?.toUpperCase() ?? '?';
    this.video.addEventListener('resize', () => actions.resized());
    this.pinButton.addEventListener('click', () => actions.pin(this));
    this.stopButton.addEventListener('click', () => actions.stopReceiving(this));
    this.sendButton.addEventListener('click', () => actions.toggleSending(this));
    // Receiving can be stopped for others' streams; sending for one's own camera (a shared
    // screen has its own Stop sharing button).
    this.stopButton.hidden = local;
    this.sendButton.hidden = !local || this.screen;
    if (!local) setLabel(this.stopButton, `Stop receiving ${this.screen ? `${this.user}'s screen` : `${this.user}'s video`}`);
    this.setPinned(false);
    this.setSending(true);
    this.attach();
  }

  /** Points the video at the stream's media (a remote one shows a spinner until it arrives). */
  attach(): void {
    const media = this.stream.getMediaStream() ?? null;
    if (this.video.srcObject !== media) this.video.srcObject = media;
    this.root.classList.toggle('waiting', !media);
  }

  /**
   * Shows the stream's media again from scratch: after one of its tracks was replaced (another
   * camera), the element would go on showing the old, stopped track.
   */
  reload(): void {
    this.video.srcObject = null;
    this.attach();
  }

  /** Width / height of the picture, once the video knows it. */
  aspect(): number | undefined {
    const { videoWidth, videoHeight } = this.video;
    return videoWidth > 0 && videoHeight > 0 ? videoWidth / videoHeight : undefined;
  }

  /** Microphone and camera state, from the stream (a remote one: as its publisher said). */
  refresh(): void {
    const audioOff = !this.screen && !this.stream.isAudioActive();
    const videoOff = !this.stream.isVideoActive();
    this.root.toggleAttribute('data-audio-off', audioOff);
    this.root.toggleAttribute('data-video-off', videoOff);
  }

  setSpeaking(speaking: boolean): void {
    this.root.classList.toggle('speaking', speaking);
  }

  /** A state in words, e.g. "Connecting…" or "Not sending" ('' clears it). */
  setState(text: string): void {
    this.state.textContent = text;
  }

  setPinned(pinned: boolean): void {
    this.root.classList.toggle('pinned', pinned);
    // A toggle with a fixed name: screen readers say "pressed" while it is pinned.
    this.pinButton.setAttribute('aria-pressed', String(pinned));
    setLabel(this.pinButton, `Pin ${this.screen ? `${this.user}'s screen` : this.user} as the large tile`);
  }

  /** One's own camera: whether it is published (the button then stops sending, else sends again). */
  setSending(sending: boolean): void {
    setLabel(this.sendButton, sending ? 'Stop sending your video' : 'Send your video again');
    this.sendButton.toggleAttribute('data-off', !sending);
  }

  /** Puts the tile at `rect`; the spotlight tile shows the whole picture, the others fill their box. */
  place(rect: Rect, spotlight: boolean): void {
    const style = this.root.style;
    style.transform = `translate(${rect.x}px, ${rect.y}px)`;
    style.width = `${rect.width}px`;
    style.height = `${rect.height}px`;
    this.root.classList.toggle('spotlight', spotlight);
    this.root.classList.toggle('small', rect.width < 200);
  }

  destroy(): void {
    this.video.srcObject = null;
    this.root.remove();
  }
}
