/** Client → server request names of the Kurento Room protocol (ProtocolElements.*_METHOD). */
export const Method = {
  joinRoom: 'joinRoom',
  publishVideo: 'publishVideo',
  unpublishVideo: 'unpublishVideo',
  receiveVideoFrom: 'receiveVideoFrom',
  unsubscribeFromVideo: 'unsubscribeFromVideo',
  onIceCandidate: 'onIceCandidate',
  leaveRoom: 'leaveRoom',
  sendMessage: 'sendMessage',
  customRequest: 'customRequest',
  /** Extension (OpenVidu's name): mute or unmute a track of one's own stream. */
  streamPropertyChanged: 'streamPropertyChanged',
  /** Transport-level methods, handled by the JSON-RPC layer rather than the room. */
  ping: 'ping',
  closeSession: 'closeSession',
} as const;
export type MethodName = (typeof Method)[keyof typeof Method];

/** Server → client notification names. `custonNotification` keeps the original's spelling. */
export const Notification = {
  participantJoined: 'participantJoined',
  participantPublished: 'participantPublished',
  participantUnpublished: 'participantUnpublished',
  participantLeft: 'participantLeft',
  participantEvicted: 'participantEvicted',
  sendMessage: 'sendMessage',
  roomClosed: 'roomClosed',
  mediaError: 'mediaError',
  iceCandidate: 'iceCandidate',
  customNotification: 'custonNotification',
  /** Extension (OpenVidu's name): a publisher muted or unmuted a track. */
  streamPropertyChanged: 'streamPropertyChanged',
  /** Extension: the streams the server hears speaking, loudest first. */
  activeSpeakersChanged: 'activeSpeakersChanged',
} as const;
export type NotificationName = (typeof Notification)[keyof typeof Notification];

/** The stream id the original hard-codes for every participant's camera stream. */
export const DEFAULT_STREAM_ID = 'webcam';

/** The `reason` of a `streamPropertyChanged` notification the publisher's own request caused. */
export const PUBLISHER_ACTION = 'publisherAction';

/** Defaults of the original transport (kurento-jsonrpc). */
export const Defaults = {
  /** Ping interval the original client uses, in ms. */
  pingIntervalMs: 3000,
  /** Interval assumed when the first ping carries none (MAX_PING_INTERVAL). */
  maxPingIntervalMs: 20000,
  /** The watchdog closes the socket after this many missed pings. */
  missedPingsToClose: 3,
  /** How long a session survives its socket (ws.sessionReconnectionTime). */
  reconnectionGraceMs: 10000,
  /** Largest text frame the original accepts. */
  maxFrameChars: 1_000_000,
  /** Client request timeout of KurentoRoom.js. */
  requestTimeoutMs: 15000,
} as const;
