import type { NotificationParamsMap } from '@kurento-room/protocol';
import type { Notice } from '../boundary/outputs.js';
import type { RoomView } from '../boundary/views.js';
import type { Participant } from './Participant.js';

/**
 * A named set of participants with unique user names. Notifications are addressed to the
 * participants present when they are made, as in the original.
 */
export class Room {
  readonly participants = new Map<string, Participant>();
  readonly createdAt = Date.now();
  closing = false;

  constructor(readonly name: string) {}

  get(user: string): Participant | undefined {
    return this.participants.get(user);
  }

  /** A notification for everyone in the room except `except` (a user name). */
  notice<M extends keyof NotificationParamsMap>(method: M, params: NotificationParamsMap[M], except?: string): Notice<M> {
    const sessionIds: string[] = [];
    for (const p of this.participants.values()) if (p.name !== except) sessionIds.push(p.sessionId);
    return { sessionIds, method, params };
  }

  dump(): RoomView {
    return {
      name: this.name,
      createdAt: new Date(this.createdAt).toISOString(),
      participants: [...this.participants.values()].map((p) => p.dump()),
    };
  }
}
