import type { RoomManager } from '../room/RoomManager.js';
import type { WebhookSender } from './WebhookSender.js';

/**
 * The kind of video of a stream. Streams carry no type on the wire yet, so the stream id the
 * demo and the spec use for screen sharing (`screen`) stands for it.
 */
function typeOfVideo(streamId: string): 'CAMERA' | 'SCREEN' {
  return streamId === 'screen' ? 'SCREEN' : 'CAMERA';
}

/** Turns the room model's events into webhooks. Returns a function that detaches. */
export function attachRoomWebhooks(rooms: RoomManager, sender: WebhookSender): () => void {
  const listeners = {
    roomCreated: (room: string) => sender.send({ event: 'room_started', room: { name: room } }),
    roomClosed: (room: string) => sender.send({ event: 'room_finished', room: { name: room } }),
    participantJoined: (room: string, user: string) => sender.send({ event: 'participant_joined', room: { name: room }, participant: { id: user } }),
    participantLeft: (room: string, user: string) => sender.send({ event: 'participant_left', room: { name: room }, participant: { id: user } }),
    streamPublished: (room: string, user: string, streamId: string) =>
      sender.send({ event: 'stream_published', room: { name: room }, participant: { id: user }, stream: { id: streamId, typeOfVideo: typeOfVideo(streamId) } }),
    streamUnpublished: (room: string, user: string, streamId: string) =>
      sender.send({ event: 'stream_unpublished', room: { name: room }, participant: { id: user }, stream: { id: streamId, typeOfVideo: typeOfVideo(streamId) } }),
  };
  rooms.on('roomCreated', listeners.roomCreated);
  rooms.on('roomClosed', listeners.roomClosed);
  rooms.on('participantJoined', listeners.participantJoined);
  rooms.on('participantLeft', listeners.participantLeft);
  rooms.media.on('streamPublished', listeners.streamPublished);
  rooms.media.on('streamUnpublished', listeners.streamUnpublished);
  return () => {
    rooms.media.off('streamPublished', listeners.streamPublished);
    rooms.media.off('streamUnpublished', listeners.streamUnpublished);
    rooms.off('roomCreated', listeners.roomCreated);
    rooms.off('roomClosed', listeners.roomClosed);
    rooms.off('participantJoined', listeners.participantJoined);
    rooms.off('participantLeft', listeners.participantLeft);
  };
}
