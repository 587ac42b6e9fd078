import type { Notice } from './outputs.js';

/**
 * Where the room layer sends what no command's outcome carries: ICE candidates and media errors
 * from the media engine, the fault cascade, rooms closed and participants evicted by the admin.
 * Implemented by whoever holds the sessions (the signalling layer in one process).
 */
export interface NotificationSink {
  deliver(notices: readonly Notice[]): void;
}
