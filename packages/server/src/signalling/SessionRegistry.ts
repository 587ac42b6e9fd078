import { notificationFrame } from '@kurento-room/protocol';
import type { NotificationSink } from '../boundary/NotificationSink.js';
import type { Notice } from '../boundary/outputs.js';
import type { Session } from './Session.js';

/**
 * The sessions this server holds, by id, and the delivery of the room layer's notifications to
 * them: a notice names sessions, and those held here get its frame (built once for all of them);
 * ids of sessions that are gone are passed over.
 */
export class SessionRegistry implements NotificationSink {
  readonly #sessions = new Map<string, Session>();

  add(session: Session): void {
    this.#sessions.set(session.id, session);
  }

  get(id: string): Session | undefined {
    return this.#sessions.get(id);
  }

  delete(id: string): void {
    this.#sessions.delete(id);
  }

  values(): IterableIterator<Session> {
    return this.#sessions.values();
  }

  get size(): number {
    return this.#sessions.size;
  }

  deliver(notices: readonly Notice[]): void {
    for (const { sessionIds, method, params } of notices) {
      if (sessionIds.length === 0) continue;
      const frame = notificationFrame(method, params as Record<string, unknown>);
      for (const id of sessionIds) this.#sessions.get(id)?.send(frame);
    }
  }
}
