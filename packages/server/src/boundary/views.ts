/** Read-only views of the rooms (REST, admin API, stats): plain data. */

/** A publication or subscription being negotiated, or live. */
export type EndpointPhase = 'negotiating' | 'live';

export interface StreamView {
  id: string;
  phase: EndpointPhase;
  loopback: boolean;
  /** The type of the video filter on the stream, if any. */
  filter?: string;
}

export interface ParticipantView {
  name: string;
  joinedAt: string;
  dataChannels: boolean;
  streams: StreamView[];
  subscriptions: Array<{ sender: string; phase: EndpointPhase }>;
}

export interface RoomView {
  name: string;
  /** In a cluster, the node that owns the room. */
  node?: string;
  createdAt: string;
  participants: ParticipantView[];
}

export interface RoomStats {
  rooms: number;
  participants: number;
  publishers: number;
  subscriptions: number;
  pendingCandidates: number;
}
