/**
 * What the signalling layer asks of the room layer (issue 13): plain data keyed by session id,
 * with the room name where a cluster would route it, so that the two halves can run in
 * different processes. A client's room request travels as its protocol method and its validated
 * params (the protocol package owns their shapes); the rest is the session's life and the
 * admin's actions.
 */
import { isKnownMethod, type RequestParamsMap } from '@kurento-room/protocol';

/** The protocol's room methods: every request but the transport's own (ping, closeSession; connect is not in the map). */
export type RoomMethod = Exclude<keyof RequestParamsMap, 'ping' | 'closeSession'>;

export function isRoomMethod(method: string): method is RoomMethod {
  return isKnownMethod(method) && method !== 'ping' && method !== 'closeSession';
}

/**
 * A client's room request, its params checked against the protocol's schema. For `joinRoom`,
 * `params.token` is the join's access token wherever the client put it (the `token` param, or
 * `access_token` in the WebSocket URL).
 */
export type RequestCommand = {
  [M in RoomMethod]: {
    kind: 'request';
    sessionId: string;
    /** The room the session is in (for joinRoom, the one it asks for); absent before any join. */
    room?: string;
    method: M;
    params: RequestParamsMap[M];
  };
}[RoomMethod];

/**
 * The session lost its socket (it waits for a resumption in its grace period) or has one again.
 * A join under the name of a participant whose session has no socket takes that name over.
 */
export interface ConnectionCommand {
  kind: 'connection';
  sessionId: string;
  room?: string;
  connected: boolean;
}

/**
 * The session is over: closed by its client (`closeSession`, reason `evicted`), its grace period
 * past (`disconnected`) or the server closing. Its participant, if any, is evicted.
 */
export interface EndSessionCommand {
  kind: 'endSession';
  sessionId: string;
  room?: string;
  reason: 'evicted' | 'disconnected';
}

/** Everything a session's signalling sends to the room layer; each gets a CommandOutcome. */
export type SessionCommand = RequestCommand | ConnectionCommand | EndSessionCommand;

/** The admin's actions (REST): no session waits for them, so their notifications go through the sink. */
export type AdminCommand = { kind: 'closeRoom'; room: string } | { kind: 'evict'; room: string; user: string };
