/**
 * VP8 RTP payload inspection (RFC 7741): is this packet the first packet of a keyframe? Used to
 * switch a subscriber from one source of a track to another only where a decoder can start.
 */

/** True when `payload` starts partition 0 of a VP8 key frame. */
export function isVp8KeyFrameStart(payload: Uint8Array): boolean {
  if (payload.length < 2) return false;
  const first = payload[0]!;
  const start = (first & 0x10) !== 0;
  const partitionId = first & 0x0f;
  if (!start || partitionId !== 0) return false;
  let offset = 1;
  if (first & 0x80) {
    // X: an extension byte with I (picture id), L (TL0PICIDX), T (TID), K (KEYIDX) flags.
    const ext = payload[offset++];
    if (ext === undefined) return false;
    if (ext & 0x80) {
      const pid = payload[offset];
      if (pid === undefined) return false;
      offset += pid & 0x80 ? 2 : 1; // M bit: 15-bit picture id
    }
    if (ext & 0x40) offset++;
    if (ext & 0x30) offset++;
  }
  const header = payload[offset];
  // The VP8 payload header's P bit (bit 0 of the first byte) is 0 for a key frame.
  return header !== undefined && (header & 0x01) === 0;
}
