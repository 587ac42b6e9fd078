import type { AdminCommand, SessionCommand } from './commands.js';
import type { AdminOutcome, CommandOutcome } from './outputs.js';
import type { RoomStats, RoomView } from './views.js';

/**
 * The room layer as the signalling layer and the admin API see it: plain data in, plain data
 * out, so that an implementation may sit across a process boundary. In one process it is
 * LocalRoomService.
 */
export interface RoomService {
  /** Runs a session's command. A room fault is an answer, not a rejection. */
  execute(command: SessionCommand): Promise<CommandOutcome>;
  /** Runs an admin action; its notifications go out through the notification sink. */
  administer(command: AdminCommand): Promise<AdminOutcome>;
  roomNames(): Promise<string[]>;
  describeRooms(): Promise<RoomView[]>;
  /** null when there is no such room. */
  describeRoom(name: string): Promise<RoomView | null>;
  stats(): Promise<RoomStats>;
}
