import type { NotificationParamsMap } from '@kurento-room/protocol';
import type { Participant } from './Participant.js';

/**
 * A named set of participants with unique user names. Notifications go to snapshots of the
 * participants present when they are sent, as in the original.
 */
export class Room {
  readonly participants = new Map<string, Participant>();
  readonly createdAt = Date.now();
  closing = false;

  constructor(readonly name: string) {}

  get(user: string): Participant | undefined {
    return this.participants.get(user);
  }

  /** Sends to everyone in the room except `except` (a user name). */
  broadcast<M extends keyof NotificationParamsMap>(method: M, params: NotificationParamsMap[M], except?: string): number {
    let sent = 0;
    for (const p of [...this.participants.values()]) {
      if (p.name === except) continue;
      p.notify(method, params);
      sent++;
    }
    return sent;
  }

  dump() {
    return {
      name: this.name,
      createdAt: new Date(this.createdAt).toISOString(),
      participants: [...this.participants.values()].map((p) => p.dump()),
    };
  }
}
