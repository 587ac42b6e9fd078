/**
 * What nodes say to each other on the bus (ClusterBus): the boundary's own plain-data commands
 * and outcomes (boundary/*), wrapped with what a cluster adds. Requests go from an edge (the node
 * holding a client's socket) to the node owning the room; posts carry notifications back.
 */
import type { AdminCommand, SessionCommand } from '../boundary/commands.js';
import type { Notice } from '../boundary/outputs.js';

export type NodeRequest =
  /** A session's command, for the room this node owns. */
  | { type: 'execute'; command: SessionCommand }
  | { type: 'administer'; command: AdminCommand }
  | { type: 'roomNames' }
  | { type: 'describeRooms' }
  | { type: 'describeRoom'; name: string }
  | { type: 'stats' }
  /**
   * A client resumes (`connect {sessionId}`) through another edge than the one it joined by: the
   * room node moves the session's notifications to the asker and hands over what it kept while
   * the session had no edge.
   */
  | { type: 'adopt'; sessionId: string }
  /**
   * From a room node to the edge that held a session until its client resumed through another:
   * end it here and hand over the notification frames kept for it.
   */
  | { type: 'release'; sessionId: string };

/** The answer to `adopt`: who the session is, and the notification frames it missed. */
export interface AdoptResult {
  room: string;
  user: string;
  /** Kept by the room node while the session had no edge (its edge died). */
  missed: Notice[];
  /** Kept by the session's previous edge while its socket was gone, as JSON-RPC frames. */
  frames: string[];
}

export type NodePost =
  /** Notifications for sessions this node holds. */
  | { type: 'notices'; notices: Notice[] }
  /** Sessions whose participant is gone for good (taken over, moved): end them here without a word to the room. */
  | { type: 'ended'; sessionIds: string[]; reason: 'taken-over' | 'moved' | 'adopted' };
