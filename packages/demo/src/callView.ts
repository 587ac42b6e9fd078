/**
 * The call view: wires the room's events to the stage and the chat, and the toolbar to the
 * client library. Ends through `onEnd`, which main.ts turns into a dialog and the join view.
 */
import type { KurentoRoomClient, Room, RoomEventMap, Stream } from '@kurento-room/client';
import { ChatPanel } from './chat.js';
import { byId } from './dom.js';
import { describeError, toast } from './notices.js';
import { Stage } from './stage.js';

/** Why a call ended: the user left, or one of the events that take the room away. */
export type CallEnd =
  | { kind: 'left' }
  | { kind: 'room-closed' }
  | { kind: 'participant-evicted' }
  | { kind: 'lost-connection' };

/** JSON-RPC "method not found": what a server without a filter handler answers to customRequest. */
const METHOD_NOT_FOUND = -32601;

export class CallView {
  private readonly view = byId('callView');
  private readonly stage = new Stage();
  private readonly chat: ChatPanel;
  private followSpeaker = true;
  private published = false;
  private hatOn = false;
  private ended = false;
  private readonly cleanups: (() => void)[] = [];

  constructor(
    private readonly kurento: KurentoRoomClient,
    private readonly room: Room,
    private readonly local: Stream,
    private readonly onEnd: (end: CallEnd) => void,
  ) {
    this.chat = new ChatPanel(room.user, (text) => {
      kurento.sendMessage(room.name, room.user, text).catch((error) => toast(`Your message was not sent: ${describeError(error)}`, 'error'));
    });
    this.stage.onSelect = (id) => {
      // Choosing someone is a pin: automatic speaker switching would take it away again.
      this.setFollowSpeaker(false);
      this.stage.setMain(id);
      this.updateButtons();
    };
    this.stage.onResume = (stream) => {
      this.stage.add(stream);
      stream.subscribe().catch(() => undefined); // failures arrive as error-room
    };
    this.listenToRoom();
    this.bindToolbar();
  }

  /** Shows the view for a room just joined, with the streams already there. */
  show(existing: Stream[]): void {
    byId('callRoomName').textContent = this.room.name;
    this.view.hidden = false;
    this.stage.add(this.local);
    for (const stream of existing) this.stage.add(stream);
    this.stage.setMain(this.stage.fallback());
    this.updateCount();
    this.updateButtons();
    this.publish();
  }

  /** Tears the view down (listeners, videos, chat); the caller closes the connection. */
  destroy(): void {
    this.ended = true;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.chat.destroy();
    this.stage.clear();
    this.view.hidden = true;
    byId('hatState').hidden = true;
    if (document.fullscreenElement) document.exitFullscreen().catch(() => undefined);
  }

  private end(end: CallEnd): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd(end);
  }

  private publish(): void {
    const id = this.local.getGlobalID();
    this.stage.setState(id, 'Connecting…');
    this.local.publish().then(
      () => {
        this.published = true;
        this.stage.setState(id, this.localState());
        this.updateButtons();
      },
      () => {
        // The reason was shown by the error-room listener.
        this.stage.setState(id, 'Not sending');
        this.updateButtons();
      },
    );
  }

  private listenToRoom(): void {
    const on = <K extends keyof RoomEventMap>(type: K, listener: (event: RoomEventMap[K]) => void) => {
      this.room.on(type, listener);
      this.cleanups.push(() => this.room.off(type, listener));
    };
    on('participant-joined', ({ participant }) => {
      this.chat.addEvent(`${participant.getID()} joined`);
      this.updateCount();
    });
    on('participant-left', ({ participant }) => {
      this.chat.addEvent(`${participant.getID()} left`);
      this.updateCount();
    });
    on('stream-added', ({ stream }) => {
      this.stage.add(stream);
      // Someone's first video replaces one's own in the main area, unless one chose a video.
      if (this.followSpeaker && this.stage.getMain()?.isLocal()) this.stage.setMain(stream.getGlobalID());
      this.updateButtons();
    });
    on('stream-subscribed', ({ stream }) => this.stage.attach(stream));
    on('stream-removed', ({ stream }) => {
      this.stage.remove(stream.getGlobalID());
      this.updateButtons();
    });
    on('stream-speaking', ({ participantId }) => this.stage.setSpeaking(participantId, true));
    on('stream-stopped-speaking', ({ participantId }) => this.stage.setSpeaking(participantId, false));
    on('update-main-speaker', ({ participantId }) => {
      if (this.followSpeaker && this.stage.has(participantId) && this.stage.getMain()?.getGlobalID() !== participantId) {
        this.stage.setMain(participantId);
        this.updateButtons();
      }
    });
    on('newMessage', ({ user, message }) => this.chat.add(user, message));
    on('error-room', ({ error }) => toast(describeError(error), 'error'));
    on('room-closed', () => this.end({ kind: 'room-closed' }));
    on('participant-evicted', () => this.end({ kind: 'participant-evicted' }));
    // The client gets back into the room by itself (a resumed session, or a rejoin after a
    // server restart); the banner stays over the frozen videos until then.
    const banner = byId('reconnectingNotice');
    this.cleanups.push(() => (banner.hidden = true));
    on('reconnecting', () => (banner.hidden = false));
    on('reconnected', ({ rejoined }) => {
      banner.hidden = true;
      const notice = toast(rejoined ? 'Back in the room: the server had restarted, so the call was joined again.' : 'Reconnected to the room server.', 'success');
      notice.id = 'reconnectedNotice';
      notice.dataset.rejoined = String(rejoined);
    });
    on('lost-connection', () => this.end({ kind: 'lost-connection' }));
    // One connection failed; the client library publishes or subscribes that stream again.
    on('error-media', ({ error, stream }) => {
      const whose = stream ? (stream.isLocal() ? 'your video' : `${stream.getParticipant().getID()}'s video`) : 'a video';
      toast(`The connection of ${whose} failed (${error}); restoring it…`, 'warning');
    });
  }

  private bindToolbar(): void {
    const bind = (id: string, handler: () => void) => {
      const button = byId<HTMLButtonElement>(id);
      button.addEventListener('click', handler);
      this.cleanups.push(() => button.removeEventListener('click', handler));
    };
    bind('buttonLeaveRoom', () => this.end({ kind: 'left' }));
    bind('buttonMic', () => {
      this.local.setAudioEnabled(!this.local.isAudioEnabled());
      this.stage.setState(this.local.getGlobalID(), this.localState());
      this.updateButtons();
    });
    bind('buttonCamera', () => {
      this.local.setVideoEnabled(!this.local.isVideoEnabled());
      this.stage.setState(this.local.getGlobalID(), this.localState());
      this.updateButtons();
    });
    bind('buttonDisconnect', () => void this.disconnectMain());
    bind('buttonHat', () => void this.toggleHat());
    bind('buttonFollowSpeaker', () => this.setFollowSpeaker(!this.followSpeaker));
    bind('buttonFullscreen', () => {
      if (document.fullscreenElement) void document.exitFullscreen();
      else byId('mainVideoWrap').requestFullscreen().catch((error) => toast(`Full screen is not available: ${describeError(error)}`, 'warning'));
    });
  }

  /**
   * The original's "disconnect": one's own stream in the main video is unpublished (and can be
   * published again with the same button); a remote one is unsubscribed from, for this user
   * only, and its thumbnail becomes a chip that subscribes again.
   */
  private async disconnectMain(): Promise<void> {
    const stream = this.stage.getMain();
    if (!stream) return;
    if (stream.isLocal()) {
      if (!this.published) return this.publish();
      this.published = false;
      this.stage.setState(stream.getGlobalID(), 'Not sending');
      this.updateButtons();
      try {
        await this.kurento.disconnectParticipant(stream);
        toast('You stopped sending your video. Press Publish to send it again.', 'info');
      } catch (error) {
        toast(`Unpublishing failed: ${describeError(error)}`, 'error');
      }
      return;
    }
    const user = stream.getParticipant().getID();
    this.stage.pause(stream);
    if (this.stage.getMain() === undefined) this.stage.setMain(this.stage.fallback());
    this.updateButtons();
    try {
      await this.kurento.disconnectParticipant(stream);
      toast(`You no longer receive ${user}'s video. Click the chip to get it back.`, 'info');
    } catch (error) {
      toast(`Unsubscribing from ${user} failed: ${describeError(error)}`, 'error');
    }
  }

  /** The demo's hat filter, a custom request the server may or may not support. */
  private async toggleHat(): Promise<void> {
    const want = !this.hatOn;
    const button = byId<HTMLButtonElement>('buttonHat');
    button.disabled = true;
    try {
      const result = await this.kurento.sendCustomRequest({ hat: want });
      this.hatOn = want;
      const { sessionId: _ignored, ...answer } = (result ?? {}) as Record<string, unknown>;
      const details = Object.keys(answer).length > 0 ? ` Server answer: ${JSON.stringify(answer)}` : '';
      toast(`Hat filter ${want ? 'on' : 'off'}.${details}`, 'success');
    } catch (error) {
      const code = (error as { code?: number }).code;
      toast(
        code === METHOD_NOT_FOUND
          ? `This server cannot apply filters, so the hat is not available. (${describeError(error)})`
          : `The hat filter could not be turned ${want ? 'on' : 'off'}: ${describeError(error)}`,
        code === METHOD_NOT_FOUND ? 'warning' : 'error',
      );
    } finally {
      button.disabled = false;
      this.updateButtons();
    }
  }

  private setFollowSpeaker(on: boolean): void {
    this.followSpeaker = on;
    this.updateButtons();
  }

  private localState(): string {
    if (!this.published) return 'Not sending';
    const off = [!this.local.isAudioEnabled() && 'Muted', !this.local.isVideoEnabled() && 'Camera off'].filter(Boolean);
    return off.join(' · ');
  }

  private updateCount(): void {
    const n = Object.keys(this.room.getParticipants()).length;
    byId('participantCount').textContent = `${n} ${n === 1 ? 'person' : 'people'}`;
  }

  /** Labels and pressed states follow what each button would do now. */
  private updateButtons(): void {
    const set = (id: string, label: string, pressed?: boolean) => {
      const button = byId<HTMLButtonElement>(id);
      button.querySelector('span')!.textContent = label;
      button.title = label;
      if (pressed !== undefined) button.setAttribute('aria-pressed', String(pressed));
    };
    set('buttonMic', this.local.isAudioEnabled() ? 'Mute' : 'Unmute', !this.local.isAudioEnabled());
    set('buttonCamera', this.local.isVideoEnabled() ? 'Stop video' : 'Start video', !this.local.isVideoEnabled());
    set('buttonHat', this.hatOn ? 'Hat off' : 'Hat', this.hatOn);
    set('buttonFollowSpeaker', 'Follow speaker', this.followSpeaker);
    byId('hatState').hidden = !this.hatOn;
    const main = this.stage.getMain();
    const disconnect = byId<HTMLButtonElement>('buttonDisconnect');
    disconnect.disabled = !main;
    set('buttonDisconnect', !main ? 'Disconnect' : main.isLocal() ? (this.published ? 'Unpublish' : 'Publish') : `Unsubscribe`);
  }
}
