/** Parameter and result shapes of every method and notification, as on the wire. */

export interface JoinRoomParams {
  user: string;
  room: string;
  dataChannels?: boolean;
  /** Extension: the access token, when the server requires one (or `access_token` in the WebSocket URL). */
  token?: string;
}
/** Extension: what kind of picture a stream's video is (OpenVidu's `typeOfVideo`). */
export type TypeOfVideo = 'CAMERA' | 'SCREEN';

/**
 * Extension, named as in OpenVidu: which tracks a stream has and whether they are on. Every
 * field is optional on the wire; a client that sends none (the original) still publishes, and
 * the server then derives `hasAudio` / `hasVideo` from the offer.
 */
export interface StreamTracks {
  hasAudio?: boolean;
  hasVideo?: boolean;
  /** False while the publisher's microphone is muted. */
  audioActive?: boolean;
  /** False while the publisher's camera is muted (the server then forwards no video). */
  videoActive?: boolean;
  typeOfVideo?: TypeOfVideo;
}

export interface PublishVideoParams extends StreamTracks {
  sdpOffer: string;
  doLoopback: boolean;
  /** Extension: which of the participant's streams this is (default `webcam`). */
  streamId?: string;
}
/** The stream properties `streamPropertyChanged` changes. */
export type StreamProperty = 'audioActive' | 'videoActive';
/** Extension (OpenVidu): the publisher muted or unmuted one of its streams' tracks. */
export interface StreamPropertyChangedParams {
  streamId: string;
  property: StreamProperty;
  newValue: boolean;
}
export interface UnpublishVideoParams {
  /** Extension: which stream to unpublish (default `webcam`). */
  streamId?: string;
}
export interface ReceiveVideoFromParams {
  /** `<publisherName>_<streamId>`, e.g. `alice_webcam`. */
  sender: string;
  sdpOffer: string;
}
export interface UnsubscribeFromVideoParams {
  sender: string;
}
export interface OnIceCandidateParams {
  /** The original's name of the endpoint: the publisher's user name for `webcam`, `<user>_<streamId>` otherwise. */
  endpointName: string;
  /**
   * Extension: the stream the candidate belongs to as `<user>_<streamId>` (the form of
   * `receiveVideoFrom.sender`), which names it unambiguously; when given, the server routes by it
   * and not by `endpointName`. See `ids.ts` for why `endpointName` alone can be ambiguous.
   */
  sender?: string;
  candidate: string;
  sdpMid: string;
  sdpMLineIndex: number;
}
export interface SendMessageParams {
  message: string;
  userMessage: string;
  roomMessage: string;
}
export type LeaveRoomParams = Record<string, never>;
export type CustomRequestParams = Record<string, unknown>;
export interface PingParams {
  interval?: number;
}

export interface RequestParamsMap {
  joinRoom: JoinRoomParams;
  publishVideo: PublishVideoParams;
  unpublishVideo: UnpublishVideoParams;
  receiveVideoFrom: ReceiveVideoFromParams;
  unsubscribeFromVideo: UnsubscribeFromVideoParams;
  onIceCandidate: OnIceCandidateParams;
  leaveRoom: LeaveRoomParams;
  sendMessage: SendMessageParams;
  customRequest: CustomRequestParams;
  ping: PingParams;
  closeSession: Record<string, never>;
  streamPropertyChanged: StreamPropertyChangedParams;
}

/** A stream in the join result and in `participantPublished`; the track fields are an extension. */
export interface StreamInfo extends StreamTracks {
  id: string;
}
export interface PeerInfo {
  id: string;
  streams?: StreamInfo[];
}

/** Every result carries the JSON-RPC session id. */
export interface SessionResult {
  sessionId: string;
}
/** A STUN or TURN server, in the shape of the WebRTC API's RTCIceServer. */
export interface IceServerInfo {
  urls: string | string[];
  username?: string;
  credential?: string;
}
export interface JoinRoomResult extends SessionResult {
  value: PeerInfo[];
  /** Extension: STUN/TURN servers the client should use for its peer connections (absent: none configured). */
  iceServers?: IceServerInfo[];
}
export interface SdpAnswerResult extends SessionResult {
  sdpAnswer: string;
}
export interface ValueResult<T> {
  value: T;
  sessionId?: string;
}

export interface RequestResultMap {
  joinRoom: JoinRoomResult;
  publishVideo: SdpAnswerResult;
  unpublishVideo: SessionResult;
  receiveVideoFrom: SdpAnswerResult;
  unsubscribeFromVideo: SessionResult;
  onIceCandidate: SessionResult;
  leaveRoom: SessionResult;
  sendMessage: SessionResult;
  customRequest: SessionResult & Record<string, unknown>;
  ping: ValueResult<'pong'>;
  closeSession: ValueResult<'bye'>;
  streamPropertyChanged: SessionResult;
}

export interface IceCandidateNotification {
  endpointName: string;
  /** Extension: the stream of the endpoint as `<user>_<streamId>`, as in `onIceCandidate.sender`. */
  sender?: string;
  candidate: string;
  sdpMid: string;
  sdpMLineIndex: number;
}

export interface NotificationParamsMap {
  participantJoined: { id: string };
  participantPublished: { id: string; streams: StreamInfo[] };
  participantUnpublished: { name: string; streamId?: string };
  participantLeft: { name: string };
  participantEvicted: Record<string, never>;
  sendMessage: { room: string; user: string; message: string };
  roomClosed: { room: string };
  /**
   * A media failure. `endpointName` (an extension; the original sends `error` only) names the
   * endpoint that died, as in `iceCandidate`: the publisher's user name for its `webcam` stream,
   * `<user>_<streamId>` otherwise; the stream is gone and may be published or subscribed again.
   * `sender` (extension too) names the same stream as `<user>_<streamId>`, which is never ambiguous.
   */
  mediaError: { error: string; endpointName?: string; sender?: string };
  iceCandidate: IceCandidateNotification;
  custonNotification: Record<string, unknown>;
  /**
   * Extension (OpenVidu): `id`, the publisher's user name, changed `property` of its stream
   * `streamId` to `newValue`; `reason` says why (`publisherAction`: the publisher asked).
   */
  streamPropertyChanged: { id: string; streamId: string; property: StreamProperty; newValue: boolean; reason: string };
  /**
   * Extension: the streams whose audio the server hears speaking now, loudest first (empty:
   * nobody speaks). Sent to everyone in the room when the set or its order changes, at most a
   * few times a second, and to each participant right after its join result (the list as it is
   * then, often empty): so a client knows from the start that the server detects speakers.
   */
  activeSpeakersChanged: { speakers: ActiveSpeaker[] };
}

/** A speaking stream: `id`, the publisher's user name, and its `streamId` (e.g. `webcam`). */
export interface ActiveSpeaker {
  id: string;
  streamId: string;
}
