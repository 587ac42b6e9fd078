/**
 * The track fields of a published stream (`hasAudio`, `hasVideo`, `audioActive`, `videoActive`,
 * `typeOfVideo`, named as in OpenVidu). A client that sends none of them (the original client)
 * still gets them right in everyone's join result and `participantPublished`: what the stream has
 * is read from the publisher's offer, and what it has is on.
 */
import type { StreamTracks, TypeOfVideo } from '@kurento-room/protocol';

export type ResolvedTracks = Required<StreamTracks>;

/** The kinds an offer sends: non-rejected audio / video sections that are sendonly or sendrecv. */
export function offeredKinds(sdp: string): { hasAudio: boolean; hasVideo: boolean } {
  const found = { hasAudio: false, hasVideo: false };
  for (const section of sdp.split(/\r?\nm=/).slice(1)) {
    const [kind, port] = section.split(' ');
    if (port === '0' || (kind !== 'audio' && kind !== 'video')) continue;
    if (/\r?\na=(recvonly|inactive)\b/.test(section)) continue;
    if (kind === 'audio') found.hasAudio = true;
    else found.hasVideo = true;
  }
  return found;
}

/** The publisher's fields where given, the offer's kinds otherwise; a track it has is on unless it says not. */
export function resolveTracks(given: StreamTracks, sdpOffer: string): ResolvedTracks {
  const offered = offeredKinds(sdpOffer);
  const hasAudio = given.hasAudio ?? offered.hasAudio;
  const hasVideo = given.hasVideo ?? offered.hasVideo;
  const typeOfVideo: TypeOfVideo = given.typeOfVideo ?? 'CAMERA';
  return {
    hasAudio,
    hasVideo,
    audioActive: hasAudio && (given.audioActive ?? true),
    videoActive: hasVideo && (given.videoActive ?? true),
    typeOfVideo,
  };
}
