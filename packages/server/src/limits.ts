import { DEFAULT_PARAM_LIMITS, Defaults } from '@kurento-room/protocol';

/**
 * Every bound on what clients can make the server hold or do, in one place. Each limit has a
 * clear error past it (named in its comment) and changes nothing else: the request is refused,
 * the room and the other participants carry on. `RoomServerOptions.limits` overrides any of
 * them; the command line sets them with the `--max-*` flags (see config.ts and the README).
 */
export interface Limits {
  /** Largest JSON-RPC text frame, in characters. Past it: -32600, the socket stays. */
  frameChars: number;
  /** Longest chat message (`sendMessage.message`), in characters. Past it: -32602. */
  messageChars: number;
  /** Longest user or room name, in characters. Past it: -32602. */
  nameChars: number;
  /**
   * ICE candidates one participant may have waiting, over all endpoint names, for endpoints that
   * do not exist yet. Past it: -32602 (a client trickles a few per connection; thousands means
   * invented endpoint names).
   */
  pendingCandidates: number;
  /** Publications plus subscriptions of one participant. Past it: 303 MEDIA_ENDPOINT. */
  endpointsPerParticipant: number;
  /** Participants in one room. Past it: 201 ROOM_GENERIC ("Room 'r' is full"). */
  participantsPerRoom: number;
  /** Rooms on this server. Past it: 204 ROOM_CANNOT_BE_CREATED. */
  rooms: number;
  /** Sustained requests per second per socket (`ping` is exempt). Past it: -32029, the socket stays. */
  requestsPerSecond: number;
  /** Requests a socket may send in one burst before the rate applies (joining a full room is one). */
  requestBurst: number;
  /**
   * Bytes queued for a socket whose client does not read (ws `bufferedAmount`). Past it the socket
   * is closed with SEND_BUFFER_CLOSE_CODE and its session enters the reconnection grace period.
   */
  sendBufferBytes: number;
}

/**
 * Defaults a real deployment can keep: well above what the demo and the original client ever
 * need (a full room of 100 means 99 subscriptions, each with a handful of candidates, sent in a
 * few seconds), and low enough that one client cannot take the server's memory.
 */
export const DEFAULT_LIMITS: Readonly<Limits> = {
  frameChars: Defaults.maxFrameChars,
  messageChars: DEFAULT_PARAM_LIMITS.messageChars,
  nameChars: DEFAULT_PARAM_LIMITS.nameChars,
  pendingCandidates: 256,
  endpointsPerParticipant: 128,
  participantsPerRoom: 100,
  rooms: 1000,
  requestsPerSecond: 200,
  requestBurst: 1000,
  // 1,000 replayed notifications of full-length chat messages still fit.
  sendBufferBytes: 16 * 1024 * 1024,
};

/** The close code of a socket dropped because its client stopped reading (4000-4999: application codes). */
export const SEND_BUFFER_CLOSE_CODE = 4008;

/**
 * Ping intervals announced by clients are clamped to this range. The watchdog waits three
 * intervals: a tiny interval would drop a healthy socket, and one past 2^31-1 ms overflows
 * Node's timer, which then fires after 1 ms.
 */
export const PING_INTERVAL_RANGE_MS = { min: 1000, max: 60_000 } as const;

export function clampPingInterval(ms: number): number {
  return Math.min(PING_INTERVAL_RANGE_MS.max, Math.max(PING_INTERVAL_RANGE_MS.min, ms));
}

/** The defaults with `given` on top; a limit that is not a positive integer is a programming error. */
export function resolveLimits(given: Partial<Limits> = {}): Limits {
  const limits: Limits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(given) as [keyof Limits, number | undefined][]) {
    if (value === undefined) continue;
    if (!(key in DEFAULT_LIMITS)) throw new RangeError(`unknown limit '${key}'`);
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`limit '${key}' must be a positive integer, got ${value}`);
    limits[key] = value;
  }
  return limits;
}
