export { KurentoRoom, KurentoRoomClient, type KurentoRoomFactory, type ConnectCallback, type RequestCallback } from './KurentoRoom.js';
export { Room, type RoomOptions } from './Room.js';
export { Participant } from './Participant.js';
export { Stream, type StreamOptions, type WebRtcPeerView } from './Stream.js';
export { Emitter, type Listener } from './Emitter.js';
export type { RoomEventMap, StreamEventMap, StreamData } from './events.js';
export type {
  KurentoRoomOptions,
  WebSocketLike,
  WebSocketConstructor,
  RTCPeerConnectionConstructor,
  GetUserMedia,
  GetDisplayMedia,
  AudioContextConstructor,
} from './environment.js';
export { SpeakerDetector } from './SpeakerDetector.js';
export { RoomError } from '@kurento-room/protocol';
/** The server's rule for user and room names, for forms that check before joining. */
export { describeChar, invalidNameChars, nameProblem, NAME_RULE } from '@kurento-room/protocol';
