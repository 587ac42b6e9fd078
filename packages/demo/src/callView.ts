/**
 * The call view: wires the room's events to the stage, the chat and the people list, and the
 * toolbar to the client library. Ends through `onEnd`, which main.ts turns into a dialog and the
 * join view.
 */
import type { KurentoRoomClient, Room, RoomEventMap, Stream } from '@kurento-room/client';
import { ChatPanel } from './chat.js';
import type { Quality } from './devices.js';
import { byId, setLabel } from './dom.js';
import { LocalControls } from './localControls.js';
import { describeError, toast } from './notices.js';
import { SidePanels } from './panels.js';
import { PeoplePanel, type Person } from './people.js';
import { ScreenShare } from './screenShare.js';
import { Stage } from './stage.js';
import { shareLink } from './validation.js';

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
  private readonly stage: Stage;
  private readonly chat: ChatPanel;
  private readonly panels: SidePanels;
  private readonly people = new PeoplePanel();
  private readonly controls: LocalControls;
  private readonly screen: ScreenShare;
  /** Streams speaking now, by global id: at most one entry per stream in the room. */
  private readonly speaking = new Set<string>();
  private published = false;
  private hatOn = false;
  private speakerView = false;
  private ended = false;
  private readonly cleanups: (() => void)[] = [];

  constructor(
    private readonly kurento: KurentoRoomClient,
    private readonly room: Room,
    private readonly local: Stream,
    quality: Quality,
    private readonly onEnd: (end: CallEnd) => void,
  ) {
    this.stage = new Stage({
      stopReceiving: (stream) => void this.stopReceiving(stream),
      toggleSending: () => void this.toggleSending(),
      resume: (stream) => {
        this.stage.add(stream);
        stream.subscribe().catch(() => undefined); // failures arrive as error-room
      },
    });
    this.panels = new SidePanels((open) => {
      this.chat?.opened(open === 'chat');
      if (open === 'people') this.updatePeople();
    });
    this.chat = new ChatPanel(
      room.user,
      (text) => kurento.sendMessage(room.name, room.user, text).catch((error) => toast(`Your message was not sent: ${describeError(error)}`, 'error')),
      () => this.panels.isOpen('chat'),
    );
    this.controls = new LocalControls(local, quality, room.thresholdSpeaker, {
      changed: () => {
        this.stage.refresh(local);
        this.updatePeople();
      },
      switched: () => this.stage.get(local.getGlobalID())?.reload(),
      speaking: (on) => this.setSpeaking(local.getGlobalID(), on),
    });
    this.screen = new ScreenShare(kurento, room, {
      started: (stream) => {
        this.stage.add(stream);
        this.chat.addEvent('You are sharing your screen');
        this.updateScreenButton();
      },
      stopped: (stream) => {
        this.stage.remove(stream.getGlobalID());
        this.chat.addEvent('You stopped sharing your screen');
        this.updateScreenButton();
      },
    });
    this.listenToRoom();
    this.bindToolbar();
  }

  /** Shows the view for a room just joined, with the streams already there. */
  show(existing: Stream[]): void {
    byId('callRoomName').textContent = this.room.name;
    this.view.hidden = false;
    this.stage.add(this.local);
    for (const stream of existing) this.stage.add(stream);
    this.updateCount();
    this.updateScreenButton();
    this.updateToggles();
    this.publish();
  }

  /** Tears the view down (listeners, videos, chat, a shared screen); the caller closes the connection. */
  destroy(): void {
    this.ended = true;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    void this.screen.stop().catch(() => undefined);
    this.screen.destroy();
    this.controls.destroy();
    this.panels.destroy();
    this.chat.destroy();
    this.stage.destroy();
    this.view.hidden = true;
    byId('hatState').hidden = true;
  }

  private end(end: CallEnd): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd(end);
  }

  private publish(): void {
    const tile = this.stage.get(this.local.getGlobalID());
    tile?.setState('Connecting…');
    this.local.publish().then(
      () => {
        this.published = true;
        tile?.setState('');
        tile?.setSending(true);
        this.updatePeople();
      },
      () => {
        // The reason was shown by the error-room listener.
        tile?.setState('Not sending');
        tile?.setSending(false);
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
      if (stream.getTypeOfVideo() === 'SCREEN') this.chat.addEvent(`${stream.getParticipant().getID()} is sharing their screen`);
      this.updatePeople();
    });
    on('stream-subscribed', ({ stream }) => this.stage.attach(stream));
    on('stream-published', ({ stream }) => this.stage.attach(stream));
    on('stream-removed', ({ stream }) => {
      this.stage.remove(stream.getGlobalID());
      this.speaking.delete(stream.getGlobalID());
      this.updatePeople();
    });
    on('stream-property-changed', ({ stream }) => {
      this.stage.refresh(stream);
      this.updatePeople();
    });
    on('stream-speaking', ({ participantId }) => this.setSpeaking(participantId, true));
    on('stream-stopped-speaking', ({ participantId }) => this.setSpeaking(participantId, false));
    on('update-main-speaker', ({ participantId }) => this.stage.setSpeaker(participantId));
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
    bind('buttonScreen', () => void this.toggleScreen());
    bind('buttonHat', () => void this.toggleHat());
    bind('buttonInvite', () => void this.copyInvite());
    bind('buttonSpeakerView', () => {
      this.speakerView = !this.speakerView;
      this.stage.setSpeakerView(this.speakerView);
      this.updateToggles();
    });
  }

  private setSpeaking(globalId: string, speaking: boolean): void {
    if (speaking) this.speaking.add(globalId);
    else this.speaking.delete(globalId);
    this.stage.setSpeaking(globalId, speaking);
    this.updatePeople();
  }

  /** Someone else's stream, for this user only: its tile becomes a chip that subscribes again. */
  private async stopReceiving(stream: Stream): Promise<void> {
    const user = stream.getParticipant().getID();
    this.stage.pause(stream);
    this.speaking.delete(stream.getGlobalID());
    try {
      await this.kurento.disconnectParticipant(stream);
      toast(`You no longer receive ${user}'s ${stream.getTypeOfVideo() === 'SCREEN' ? 'screen' : 'video'}. Click its chip to get it back.`, 'info');
    } catch (error) {
      toast(`Unsubscribing from ${user} failed: ${describeError(error)}`, 'error');
    }
  }

  /** One's own camera: stop sending it (unpublish; the preview stays, marked "Not sending"), or send it again. */
  private async toggleSending(): Promise<void> {
    if (!this.published) return this.publish();
    this.published = false;
    const tile = this.stage.get(this.local.getGlobalID());
    tile?.setState('Not sending');
    tile?.setSending(false);
    this.updatePeople();
    try {
      await this.kurento.disconnectParticipant(this.local);
      toast('You stopped sending your video. Use the button on your tile to send it again.', 'info');
    } catch (error) {
      toast(`Unpublishing failed: ${describeError(error)}`, 'error');
    }
  }

  private async toggleScreen(): Promise<void> {
    if (this.screen.isSharing()) return this.screen.stop();
    try {
      await this.screen.start();
    } catch (error) {
      const cancelled = (error as { name?: string } | undefined)?.name === 'NotAllowedError';
      toast(cancelled ? 'Screen sharing was cancelled.' : `Screen sharing failed: ${describeError(error)}`, cancelled ? 'info' : 'error');
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
      this.updateToggles();
    }
  }

  /** The link that opens the join view with this room filled in, to the clipboard. */
  private async copyInvite(): Promise<void> {
    const link = shareLink(location.href, this.room.name);
    try {
      await navigator.clipboard.writeText(link);
      toast(`Invite link copied: ${link}`, 'success');
    } catch {
      // No clipboard permission (e.g. plain http on another host): the link, to copy by hand.
      toast(`Copy this invite link: ${link}`, 'info');
    }
  }

  private updateCount(): void {
    const n = Object.keys(this.room.getParticipants()).length;
    byId('participantCount').textContent = `${n} ${n === 1 ? 'person' : 'people'}`;
    this.updatePeople();
  }

  private updateScreenButton(): void {
    const button = byId<HTMLButtonElement>('buttonScreen');
    const sharing = this.screen.isSharing();
    button.toggleAttribute('data-on', sharing);
    setLabel(button, sharing ? 'Stop sharing' : 'Share screen');
    // Phones and some browsers cannot capture the screen at all.
    button.hidden = typeof navigator.mediaDevices?.getDisplayMedia !== 'function';
  }

  private updateToggles(): void {
    byId('buttonHat').setAttribute('aria-pressed', String(this.hatOn));
    byId('hatState').hidden = !this.hatOn;
    byId('buttonSpeakerView').setAttribute('aria-pressed', String(this.speakerView));
  }

  /** The people list, rebuilt only while it is open. */
  private updatePeople(): void {
    if (!this.panels?.isOpen('people')) return;
    const people: Person[] = Object.values(this.room.getParticipants()).map((participant) => {
      const camera = participant.getStream('webcam');
      const publishing = !!camera && (!participant.isLocal() || this.published);
      return {
        name: participant.getID(),
        you: participant.isLocal(),
        publishing,
        audioOn: !!camera?.isAudioActive(),
        videoOn: !!camera?.isVideoActive(),
        sharing: !!participant.getStream('screen'),
        speaking: !!camera && this.speaking.has(camera.getGlobalID()),
      };
    });
    this.people.render(people.sort((a, b) => Number(b.you) - Number(a.you)));
  }
}
