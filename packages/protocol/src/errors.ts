/** RoomException codes of the original SDK (RoomException.Code). */
export const RoomErrorCode = {
  GENERIC: 999,
  TRANSPORT: 803,
  TRANSPORT_RESPONSE: 802,
  TRANSPORT_REQUEST: 801,
  MEDIA_MUTE: 307,
  MEDIA_NOT_A_WEB_ENDPOINT: 306,
  MEDIA_RTP_ENDPOINT: 305,
  MEDIA_WEBRTC_ENDPOINT: 304,
  MEDIA_ENDPOINT: 303,
  MEDIA_SDP: 302,
  MEDIA_GENERIC: 301,
  ROOM_CANNOT_BE_CREATED: 204,
  ROOM_CLOSED: 203,
  ROOM_NOT_FOUND: 202,
  ROOM_GENERIC: 201,
  USER_NOT_STREAMING: 105,
  EXISTING_USER_IN_ROOM: 104,
  USER_CLOSED: 103,
  USER_NOT_FOUND: 102,
  USER_GENERIC: 101,
} as const;
export type RoomErrorCodeValue = (typeof RoomErrorCode)[keyof typeof RoomErrorCode];

/** Standard JSON-RPC 2.0 codes, used for protocol-level faults. */
export const JsonRpcErrorCode = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  /**
   * Implementation-defined server error (JSON-RPC 2.0 reserves -32000..-32099 for these): the
   * socket sent requests faster than the server's per-socket rate limit. 429 as in HTTP's
   * "Too Many Requests". The request was not run; the socket stays open.
   */
  RATE_LIMITED: -32029,
  /**
   * Implementation-defined: a cluster node could not do it now (Redis unreachable, the room's node
   * gone or not answering); 503 as in HTTP. Worth retrying shortly: the cluster recovers by itself.
   */
  UNAVAILABLE: -32030,
  /** Implementation-defined: joinRoom without a valid access token (401 as in HTTP). The message names the cause. */
  UNAUTHORIZED: -32001,
  /** Implementation-defined: the access token does not grant what was asked (403 as in HTTP). */
  FORBIDDEN: -32003,
  /** kurento-jsonrpc: `connect` with an unknown session id. */
  RECONNECTION_ERROR: 40007,
} as const;

export interface RpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

/** An error that travels over the wire as a JSON-RPC error object. */
export class RoomError extends Error {
  readonly code: number;
  readonly data?: unknown;
  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.name = 'RoomError';
    this.code = code;
    this.data = data;
  }
  toJSON(): RpcErrorObject {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

/** Factories for the errors the server raises, with the original's messages where it had one. */
export const Errors = {
  userExists: (user: string, room: string) =>
    new RoomError(RoomErrorCode.EXISTING_USER_IN_ROOM, `User '${user}' already exists in room '${room}'`),
  emptyUserName: () => new RoomError(RoomErrorCode.GENERIC, 'Empty user name is not allowed'),
  emptyRoomName: () => new RoomError(RoomErrorCode.GENERIC, 'Empty room name is not allowed'),
  notJoined: (sessionId: string) =>
    new RoomError(RoomErrorCode.USER_NOT_FOUND, `No participant with id '${sessionId}' was found`),
  userNotFound: (user: string, room: string) =>
    new RoomError(RoomErrorCode.USER_NOT_FOUND, `User '${user}' not found in room '${room}'`),
  userNameMismatch: (given: string) =>
    new RoomError(RoomErrorCode.USER_NOT_FOUND, `Provided username '${given}' differs from the participant's name`),
  roomNameMismatch: (given: string) =>
    new RoomError(RoomErrorCode.ROOM_NOT_FOUND, `Provided room name '${given}' differs from the participant's room`),
  roomNotFound: (room: string) => new RoomError(RoomErrorCode.ROOM_NOT_FOUND, `Room '${room}' not found`),
  roomClosing: (user: string, room: string) =>
    new RoomError(RoomErrorCode.ROOM_CLOSED, `'${user}' is trying to join room '${room}' but it is closing`),
  notStreaming: (user: string, streamId: string) =>
    new RoomError(RoomErrorCode.USER_NOT_STREAMING, `Participant '${user}' is not streaming media (stream '${streamId}')`),
  senderNotStreaming: (user: string, streamId: string, room: string) =>
    new RoomError(
      RoomErrorCode.USER_NOT_STREAMING,
      `User '${user}' is not streaming media (stream '${streamId}') in room '${room}'`,
    ),
  selfSubscribe: (user: string) =>
    new RoomError(
      RoomErrorCode.USER_NOT_STREAMING,
      `Can loopback only when publishing media: '${user}' cannot subscribe to itself, publish with doLoopback instead`,
    ),
  alreadyPublishing: (user: string, streamId: string) =>
    new RoomError(
      RoomErrorCode.MEDIA_ENDPOINT,
      `Participant '${user}' is already publishing stream '${streamId}'; unpublish it first`,
    ),
  alreadySubscribed: (user: string, sender: string) =>
    new RoomError(RoomErrorCode.MEDIA_ENDPOINT, `Participant '${user}' is already subscribed to '${sender}'`),
  alreadyJoined: (user: string, room: string) =>
    new RoomError(
      RoomErrorCode.EXISTING_USER_IN_ROOM,
      `This session already joined room '${room}' as '${user}'; leave it before joining again`,
    ),
  sdp: (message: string) => new RoomError(RoomErrorCode.MEDIA_SDP, message),
  unknownEndpoint: (endpointName: string, user: string) =>
    new RoomError(
      RoomErrorCode.USER_NOT_FOUND,
      `Endpoint '${endpointName}' is unknown to participant '${user}': it is neither its own name nor a publisher in its room`,
    ),
  roomFull: (room: string, max: number) =>
    new RoomError(RoomErrorCode.ROOM_GENERIC, `Room '${room}' is full: it has ${max} participants, the most this server allows in one room`),
  tooManyRooms: (room: string, max: number) =>
    new RoomError(
      RoomErrorCode.ROOM_CANNOT_BE_CREATED,
      `Room '${room}' cannot be created: this server already has ${max} rooms, the most it allows`,
    ),
  tooManyEndpoints: (user: string, max: number) =>
    new RoomError(
      RoomErrorCode.MEDIA_ENDPOINT,
      `Participant '${user}' already has ${max} publications and subscriptions, the most this server allows; unpublish or unsubscribe first`,
    ),
  tooManyPendingCandidates: (user: string, endpointName: string, max: number) =>
    new RoomError(
      JsonRpcErrorCode.INVALID_PARAMS,
      `ICE candidate for endpoint '${endpointName}' refused: participant '${user}' already has ${max} candidates waiting for endpoints that do not exist yet, the most this server keeps`,
    ),
  unauthorized: (reason: string) => new RoomError(JsonRpcErrorCode.UNAUTHORIZED, `Access denied: ${reason}`),
  notGranted: (user: string, action: string, grant: string) =>
    new RoomError(JsonRpcErrorCode.FORBIDDEN, `Participant '${user}' may not ${action}: its access token has no '${grant}' grant`),
  tooManyQueued: (max: number) =>
    new RoomError(
      JsonRpcErrorCode.RATE_LIMITED,
      `Too many requests waiting: this session already has ${max} requests queued behind a slow one; wait for their answers`,
    ),
  rateLimited: (method: string, perSecond: number, burst: number) =>
    new RoomError(
      JsonRpcErrorCode.RATE_LIMITED,
      `Too many requests: '${method}' refused; this socket may send ${perSecond} requests per second (bursts of ${burst}), retry later`,
    ),
  unavailable: (reason: string) => new RoomError(JsonRpcErrorCode.UNAVAILABLE, `Service unavailable, retry shortly: ${reason}`),
  invalidParams: (message: string) => new RoomError(JsonRpcErrorCode.INVALID_PARAMS, message),
  methodNotFound: (method: string) =>
    new RoomError(JsonRpcErrorCode.METHOD_NOT_FOUND, `Method '${method}' not found`),
  customRequestUnsupported: () =>
    new RoomError(JsonRpcErrorCode.METHOD_NOT_FOUND, 'customRequest is not supported: this server has no custom request handler'),
  internal: (message: string) => new RoomError(JsonRpcErrorCode.INTERNAL_ERROR, message),
} as const;
