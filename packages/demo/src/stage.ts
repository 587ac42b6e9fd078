/**
 * The video area: one tile per stream, laid out as a grid or as a spotlight with a filmstrip
 * (layout.ts) around the tile chosen by spotlight.ts, re-laid out whenever the stage changes
 * size. A stream one stopped receiving becomes a small chip that subscribes again.
 */
import type { Stream } from '@kurento-room/client';
import { byId, el } from './dom.js';
import { computeLayout } from './layout.js';
import { chooseSpotlight } from './spotlight.js';
import { Tile } from './tile.js';

/** What the stage asks of the call view. */
export interface StageActions {
  stopReceiving(stream: Stream): void;
  toggleSending(stream: Stream): void;
  resume(stream: Stream): void;
}

export class Stage {
  private readonly root = byId('stage');
  private readonly pausedList = byId('pausedList');
  /** In the order they came: one's own first, then others as they published. */
  private readonly tiles = new Map<string, Tile>();
  private readonly paused = new Map<string, HTMLElement>();
  private pinned?: string;
  private speaker?: string;
  private speakerView = false;
  private spotlightId?: string;
  private scheduled = 0;
  private readonly resizes = new ResizeObserver(() => this.schedule());

  constructor(private readonly actions: StageActions) {
    this.resizes.observe(this.root);
  }

  /** Adds a stream's tile; a new Stream object for the same id (e.g. re-published) takes the tile over. */
  add(stream: Stream): Tile {
    const id = stream.getGlobalID();
    this.removePaused(id);
    let tile = this.tiles.get(id);
    if (tile) {
      tile.stream = stream;
      tile.attach();
    } else {
      tile = new Tile(stream, {
        resized: () => this.schedule(),
        pin: (t) => this.togglePin(t.id),
        stopReceiving: (t) => this.actions.stopReceiving(t.stream),
        toggleSending: (t) => this.actions.toggleSending(t.stream),
      });
      this.tiles.set(id, tile);
      this.root.append(tile.root);
    }
    tile.refresh();
    this.schedule();
    return tile;
  }

  get(globalId: string): Tile | undefined {
    return this.tiles.get(globalId);
  }

  all(): Tile[] {
    return [...this.tiles.values()];
  }

  /** The stream's media arrived (or changed): its tile shows it. */
  attach(stream: Stream): void {
    this.tiles.get(stream.getGlobalID())?.attach();
  }

  /** The stream's microphone or camera state changed. */
  refresh(stream: Stream): void {
    this.tiles.get(stream.getGlobalID())?.refresh();
  }

  remove(globalId: string): void {
    this.removePaused(globalId);
    const tile = this.tiles.get(globalId);
    if (!tile) return;
    tile.destroy();
    this.tiles.delete(globalId);
    if (this.pinned === globalId) this.pinned = undefined;
    this.schedule();
  }

  /** Replaces a remote tile with a chip that subscribes again when clicked. */
  pause(stream: Stream): void {
    const id = stream.getGlobalID();
    this.remove(id);
    const what = stream.getTypeOfVideo() === 'SCREEN' ? 'screen' : 'video';
    const chip = el('button', 'paused-chip', `${stream.getParticipant().getID()}: resume ${what}`);
    chip.type = 'button';
    chip.id = `paused-${id}`;
    chip.addEventListener('click', () => this.actions.resume(stream));
    this.pausedList.append(chip);
    this.paused.set(id, chip);
    this.pausedList.hidden = false;
  }

  setSpeaking(globalId: string, speaking: boolean): void {
    this.tiles.get(globalId)?.setSpeaking(speaking);
  }

  /** The current speaker (`update-main-speaker`): the large tile in speaker view. */
  setSpeaker(globalId: string): void {
    if (this.speaker === globalId) return;
    this.speaker = globalId;
    if (this.speakerView) this.schedule();
  }

  setSpeakerView(on: boolean): void {
    this.speakerView = on;
    this.schedule();
  }

  togglePin(globalId: string): void {
    this.pinned = this.pinned === globalId ? undefined : globalId;
    for (const tile of this.tiles.values()) tile.setPinned(tile.id === this.pinned);
    this.schedule();
  }

  /** The tile shown large now, if any. */
  getSpotlight(): string | undefined {
    return this.spotlightId;
  }

  destroy(): void {
    this.resizes.disconnect();
    cancelAnimationFrame(this.scheduled);
    for (const id of [...this.tiles.keys()]) this.remove(id);
    for (const id of [...this.paused.keys()]) this.removePaused(id);
  }

  /** Lays out once per frame however many changes arrive in it. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = requestAnimationFrame(() => {
      this.scheduled = 0;
      this.layout();
    });
  }

  private layout(): void {
    const tiles = this.all();
    this.spotlightId = chooseSpotlight({
      tiles: tiles.map((t) => ({ id: t.id, local: t.stream.isLocal(), screen: t.screen })),
      pinned: this.pinned,
      speaker: this.speaker,
      speakerView: this.speakerView,
    });
    const spotlight = tiles.findIndex((t) => t.id === this.spotlightId);
    const { rects } = computeLayout({
      count: tiles.length,
      spotlight: spotlight >= 0 ? spotlight : undefined,
      spotlightAspect: spotlight >= 0 ? tiles[spotlight]!.aspect() : undefined,
      spotlightCrop: spotlight >= 0 && !tiles[spotlight]!.screen,
      width: this.root.clientWidth,
      height: this.root.clientHeight,
    });
    tiles.forEach((tile, i) => tile.place(rects[i]!, i === spotlight));
    this.root.classList.toggle('has-spotlight', spotlight >= 0);
  }

  private removePaused(globalId: string): void {
    this.paused.get(globalId)?.remove();
    this.paused.delete(globalId);
    this.pausedList.hidden = this.paused.size === 0;
  }
}
