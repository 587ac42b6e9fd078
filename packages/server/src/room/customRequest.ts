/**
 * An application's answer to `customRequest`. It runs in the room layer, beside the room it asks
 * about, so that what it may do (e.g. put a filter on the requester's video) needs no callback
 * across the boundary with the signalling layer: only the request's params come from there.
 */
import { Errors } from '@kurento-room/protocol';
import type { FilterSupport, VideoFilterSpec } from '../media/MediaEngine.js';
import type { Participant } from './Participant.js';
import type { RoomManager } from './RoomManager.js';

/** What an application registers to answer `customRequest`. */
export interface CustomRequestContext {
  params: Record<string, unknown>;
  sessionId: string;
  user: string;
  room: string;
  /** The requester's published stream ids. */
  publishedStreams: string[];
  /** Server-side video filters on the requester's own published streams. */
  videoFilters: VideoFilterAccess;
}

/** What a custom request handler may do with the requester's video filters. */
export interface VideoFilterAccess {
  /** Whether the media engine can run filters here (and what to install if not). */
  support(): Promise<FilterSupport>;
  /** The filter on one of the requester's streams, if any. */
  get(streamId: string): VideoFilterSpec | undefined;
  /** Puts a filter on a live stream of the requester (null takes it off); rejects with a RoomError. */
  set(streamId: string, filter: VideoFilterSpec | null): Promise<void>;
}

export type CustomRequestHandler = (
  context: CustomRequestContext,
) => Promise<Record<string, unknown> | void> | Record<string, unknown> | void;

/** The context a handler gets for a request of participant `p`. */
export function customRequestContext(rooms: RoomManager, p: Participant, params: Record<string, unknown>): CustomRequestContext {
  return {
    params,
    sessionId: p.sessionId,
    user: p.name,
    room: p.roomName,
    publishedStreams: [...p.published.values()].filter((s) => s.phase === 'live').map((s) => s.streamId),
    videoFilters: {
      support: () => rooms.media.filterSupport(),
      get: (streamId) => rooms.media.videoFilter(p, streamId),
      set: async (streamId, filter) => {
        if (!rooms.isMember(p)) throw Errors.notJoined(p.sessionId);
        await rooms.media.setVideoFilter(p, streamId, filter);
      },
    },
  };
}
