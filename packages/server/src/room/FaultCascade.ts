import { RoomErrorCode } from '@kurento-room/protocol';
import type { NotificationSink } from '../boundary/NotificationSink.js';
import type { Notice } from '../boundary/outputs.js';
import type { Logger } from '../log.js';
import type { EndpointFault } from '../media/MediaEngine.js';
import type { MediaController } from './MediaController.js';
import type { Room } from './Room.js';

/**
 * How long a connection the client closed itself (DTLS close_notify) waits for the client's own
 * word. Clients close a peer connection just before they send unpublishVideo,
 * unsubscribeFromVideo or leaveRoom (this project's client does, in that order); the close
 * arrives over UDP, often before the request. Within this time the request wins and nothing is
 * reported; past it the close was a fault (a tab closed, a pc closed by a script).
 */
export const CLIENT_CLOSE_SETTLE_MS = 1000;

/** The `error` text of the `mediaError` sent to the owner of a dead endpoint. */
function faultMessage(endpointName: string, fault: EndpointFault | undefined): string {
  const what = `endpoint '${endpointName}'`;
  let text: string;
  switch (fault?.cause) {
    case 'dtls-closed':
      text = `CONNECTION_CLOSED: the peer connection of ${what} was closed by the client`;
      break;
    case 'inactive':
      text = `MEDIA_INACTIVE: nothing arrived on ${what} for ${fault.silentMs ?? '?'} ms`;
      break;
    case 'dtls-failed':
      text = `DTLS_FAILED: the secure transport of ${what} failed`;
      break;
    case 'worker-died':
      text = `MEDIA_SERVER_FAILED: the media worker of ${what} stopped`;
      break;
    default:
      text = `ICE_FAILED: connection of ${what} failed`;
  }
  return `${text}; it was released(errCode=${RoomErrorCode.MEDIA_WEBRTC_ENDPOINT})`;
}

/**
 * Makes the room model follow the media: an endpoint the engine reports failed is released, and
 * the room hears of it, as a mediasoup transport's close cascades to its producers and
 * consumers. A dead subscription is dropped and its owner gets `mediaError` naming it; a dead
 * publication is unpublished (`participantUnpublished` to the others, its subscriptions
 * released) and its owner gets `mediaError`. Every step is found through the endpoint directory,
 * so a failure of an endpoint already released (by a leave, an unpublish or an earlier failure)
 * finds nothing and does nothing.
 */
export class FaultCascade {
  constructor(
    private readonly media: MediaController,
    private readonly lookupRoom: (name: string) => Room | undefined,
    private readonly sink: NotificationSink,
    private readonly log: Logger,
  ) {}

  onFailed(endpointId: string, fault: EndpointFault | undefined): void {
    if (fault?.cause === 'dtls-closed') {
      // One timer per closed endpoint, at most a second; it finds nothing if the client spoke.
      setTimeout(() => this.#cascade(endpointId, fault), CLIENT_CLOSE_SETTLE_MS).unref();
      return;
    }
    this.#cascade(endpointId, fault);
  }

  #cascade(endpointId: string, fault: EndpointFault | undefined): void {
    const owner = this.media.endpoints.get(endpointId);
    if (!owner) {
      this.log.debug('failure of an endpoint already released', { endpoint: endpointId, cause: fault?.cause });
      return;
    }
    const p = owner.participant;
    const room = this.lookupRoom(p.roomName);
    if (!room || room.get(p.name) !== p) return;
    let released: 'publication' | 'subscription' | undefined;
    const notices: Notice[] = [];
    if (owner.kind === 'publisher') {
      const stream = [...p.published.values()].find((s) => s.endpointId === endpointId);
      // A negotiation in progress cleans up after itself: its request answers with the error.
      if (stream?.phase !== 'live') return;
      this.media.unpublish(room, p, stream.streamId);
      notices.push(this.media.announceUnpublished(room, p, stream.streamId));
      released = 'publication';
    } else {
      const subscription = [...p.subscriptions.values()].find((s) => s.endpointId === endpointId);
      if (subscription?.phase !== 'live') return;
      this.media.unsubscribe(p, subscription.sender);
      released = 'subscription';
    }
    this.log.warn('endpoint failed; released', {
      room: room.name,
      user: p.name,
      endpoint: owner.endpointName,
      endpointId,
      released,
      cause: fault?.cause ?? 'unknown',
      ...(fault?.silentMs !== undefined ? { lastAliveMsAgo: fault.silentMs } : {}),
    });
    notices.push(p.notice('mediaError', { error: faultMessage(owner.endpointName, fault), endpointName: owner.endpointName, sender: owner.sender }));
    this.sink.deliver(notices);
  }
}
