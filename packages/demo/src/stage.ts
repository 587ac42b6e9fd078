/**
 * The video area: one thumbnail per stream in the strip, and the main video showing one of
 * them. Ids follow the original demo, which the browser tests rely on:
 *   thumbnail `video-<user>_webcam`, its `<video>` `native-video-<user>_webcam`.
 * The main `<video id="main-video">` shows the same MediaStream as the chosen thumbnail and is
 * always muted, so a voice is never played twice.
 */
import type { Stream } from '@kurento-room/client';
import { byId, el } from './dom.js';

interface Tile {
  stream: Stream;
  root: HTMLElement;
  video: HTMLVideoElement;
}

export class Stage {
  private readonly strip = byId('participants');
  private readonly mainVideo = byId<HTMLVideoElement>('main-video');
  private readonly mainLabel = byId('mainLabel');
  private readonly mainEmpty = byId('mainEmpty');
  private readonly tiles = new Map<string, Tile>();
  private paused = new Map<string, HTMLElement>();
  private mainId?: string;

  /** Called when the user clicks a thumbnail (the call view pins it) or a paused stream's chip. */
  onSelect: (globalId: string) => void = () => undefined;
  onResume: (stream: Stream) => void = () => undefined;

  /** Adds a stream's thumbnail (a remote one shows a spinner until its media arrives). */
  add(stream: Stream): void {
    const id = stream.getGlobalID();
    this.removePaused(id);
    const existing = this.tiles.get(id);
    if (existing) {
      // A new Stream object for the same global id (e.g. after a re-publish) takes the tile over.
      existing.stream = stream;
      return this.attach(stream);
    }
    const user = stream.getParticipant().getID();
    const root = el('div', 'tile');
    root.id = `video-${id}`;
    root.tabIndex = 0;
    root.setAttribute('role', 'button');
    root.setAttribute('aria-label', `Show ${user} in the main video`);
    root.classList.toggle('local', stream.isLocal());
    const video = el('video');
    video.id = `native-video-${id}`;
    video.autoplay = true;
    video.playsInline = true;
    // One's own voice must not come back through the speakers.
    video.muted = stream.isLocal();
    const label = el('span', 'tile-name', stream.isLocal() ? `${user} (you)` : user);
    label.title = user;
    root.append(video, label, el('span', 'tile-state'), el('span', 'spinner'));
    const select = () => this.onSelect(id);
    root.addEventListener('click', select);
    root.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        select();
      }
    });
    this.strip.append(root);
    this.tiles.set(id, { stream, root, video });
    this.attach(stream);
    this.updateLayout();
  }

  /** Points the thumbnail (and the main video, if it shows this stream) at the stream's media. */
  attach(stream: Stream): void {
    const tile = this.tiles.get(stream.getGlobalID());
    if (!tile) return;
    const media = stream.getMediaStream() ?? null;
    if (tile.video.srcObject !== media) tile.video.srcObject = media;
    tile.root.classList.toggle('waiting', !media);
    if (this.mainId === stream.getGlobalID()) this.showMain(tile);
  }

  /** Removes a stream's thumbnail (and its paused chip); the main video moves elsewhere if needed. */
  remove(globalId: string): void {
    this.removePaused(globalId);
    const tile = this.tiles.get(globalId);
    if (!tile) return;
    tile.video.srcObject = null;
    tile.root.remove();
    this.tiles.delete(globalId);
    if (this.mainId === globalId) this.setMain(this.fallback());
    this.updateLayout();
  }

  /** Replaces a remote thumbnail with a small chip that subscribes again when clicked. */
  pause(stream: Stream): void {
    const id = stream.getGlobalID();
    this.remove(id);
    const chip = el('button', 'paused-chip', `${stream.getParticipant().getID()}: resume video`);
    chip.type = 'button';
    chip.id = `paused-${id}`;
    chip.addEventListener('click', () => this.onResume(stream));
    this.strip.append(chip);
    this.paused.set(id, chip);
    this.updateLayout();
  }

  has(globalId: string): boolean {
    return this.tiles.has(globalId);
  }

  getMain(): Stream | undefined {
    return this.mainId === undefined ? undefined : this.tiles.get(this.mainId)?.stream;
  }

  /** Shows a stream in the main video (undefined: nothing to show). */
  setMain(globalId: string | undefined): void {
    const previous = this.mainId === undefined ? undefined : this.tiles.get(this.mainId);
    previous?.root.classList.remove('selected');
    const tile = globalId === undefined ? undefined : this.tiles.get(globalId);
    this.mainId = tile ? globalId : undefined;
    if (!tile) {
      this.mainVideo.srcObject = null;
      this.mainLabel.textContent = '';
      this.mainEmpty.hidden = false;
      return;
    }
    tile.root.classList.add('selected');
    this.showMain(tile);
  }

  /** The speaking highlight of a thumbnail. */
  setSpeaking(globalId: string, speaking: boolean): void {
    this.tiles.get(globalId)?.root.classList.toggle('speaking', speaking);
  }

  /** A state shown on a thumbnail, e.g. "Muted" or "Not sending" ('' clears it). */
  setState(globalId: string, text: string): void {
    const tile = this.tiles.get(globalId);
    if (!tile) return;
    const state = tile.root.querySelector('.tile-state')!;
    state.textContent = text;
    tile.root.classList.toggle('has-state', text !== '');
    if (this.mainId === globalId) this.showMain(tile);
  }

  /** The stream to show when the main one goes: the first remote one, else one's own. */
  fallback(): string | undefined {
    const all = [...this.tiles.values()];
    return (all.find((t) => !t.stream.isLocal()) ?? all[0])?.stream.getGlobalID();
  }

  clear(): void {
    for (const id of [...this.tiles.keys()]) this.remove(id);
    for (const id of [...this.paused.keys()]) this.removePaused(id);
    this.setMain(undefined);
  }

  private showMain(tile: Tile): void {
    const media = tile.stream.getMediaStream() ?? null;
    if (this.mainVideo.srcObject !== media) this.mainVideo.srcObject = media;
    const user = tile.stream.getParticipant().getID();
    const state = tile.root.querySelector('.tile-state')?.textContent;
    this.mainLabel.textContent = `${tile.stream.isLocal() ? `${user} (you)` : user}${state ? ` · ${state}` : ''}`;
    this.mainEmpty.hidden = !!media;
  }

  private removePaused(globalId: string): void {
    this.paused.get(globalId)?.remove();
    this.paused.delete(globalId);
  }

  /** Many thumbnails share the width instead of overflowing (the original's 98/N % rule). */
  private updateLayout(): void {
    this.strip.style.setProperty('--tiles', String(Math.max(1, this.tiles.size)));
  }
}
