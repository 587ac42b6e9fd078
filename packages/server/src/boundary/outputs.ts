/**
 * What the room layer gives back (issue 13): plain data only. Notifications name the sessions
 * they go to; the signalling layer delivers them to the sessions it holds and adds nothing.
 */
import type { NotificationParamsMap, RpcErrorObject } from '@kurento-room/protocol';

export type NotificationMethod = keyof NotificationParamsMap;

/** One notification, for the sessions it names. */
export interface Notice<M extends NotificationMethod = NotificationMethod> {
  sessionIds: string[];
  method: M;
  params: NotificationParamsMap[M];
}

/** The answer to the requesting session: its wire result (the signalling adds `sessionId`), or a protocol error. */
export type Answer = { result: Record<string, unknown> } | { error: RpcErrorObject };

/** What one session command did, in the order the requester's signalling sends it. */
export interface CommandOutcome {
  answer: Answer;
  /**
   * Sent before the answer: what the others must know first (participantJoined before the
   * joiner's answer, participantLeft before the leaver's), as in the original.
   */
  before: Notice[];
  /** Sent once the answer is out (participantPublished, participantUnpublished, chat, streamPropertyChanged). */
  after: Notice[];
  /**
   * Sessions whose participant the command removed for good (a join took over the name of a
   * session without a socket): their signalling ends them without another word to the room.
   */
  ended: string[];
}

/** The answer to an admin action: whether it found the room or participant it names. */
export interface AdminOutcome {
  found: boolean;
}
