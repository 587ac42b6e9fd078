import type { RoomManager } from '../room/RoomManager.js';
import type { WebhookSender } from './WebhookSender.js';

/** Turns the room model's events into webhooks. Returns a function that detaches. */
export function attachRoomWebhooks(rooms: RoomManager, sender: WebhookSender): () => void {
  const listeners = {
    roomCreated: (room: string) => sender.send({ event: 'room_started', room: { name: room } }),
    roomClosed: (room: string) => sender.send({ event: 'room_finished', room: { name: room } }),
    participantJoined: (room: string, user: string) => sender.send({ event: 'participant_joined', room: { name: room }, participant: { id: user } }),
    participantLeft: (room: string, user: string) => sender.send({ event: 'participant_left', room: { name: room }, participant: { id: user } }),
  };
  rooms.on('roomCreated', listeners.roomCreated);
  rooms.on('roomClosed', listeners.roomClosed);
  rooms.on('participantJoined', listeners.participantJoined);
  rooms.on('participantLeft', listeners.participantLeft);
  return () => {
    rooms.off('roomCreated', listeners.roomCreated);
    rooms.off('roomClosed', listeners.roomClosed);
    rooms.off('participantJoined', listeners.participantJoined);
    rooms.off('participantLeft', listeners.participantLeft);
  };
}
