/**
 * The client-to-mixer audio level of RFC 6464 (`urn:ietf:params:rtp-hdrext:ssrc-audio-level`):
 * one byte per RTP packet, `V` (voice activity) in the top bit and the level in the other seven,
 * as -dBov (0 is the loudest a stream can be, 127 digital silence). The sender measured it on
 * the audio it encoded, so the SFU learns who is loud without decoding a single packet.
 *
 * Read on the receive path of every audio packet: werift has already split the header into
 * extension entries (each a view of the packet's own buffer), so reading one byte of the entry
 * with the negotiated id costs a short loop and allocates nothing.
 */
import { RTP_EXTENSION_URI, type RTCRtpHeaderExtensionParameters } from 'werift';

export const AUDIO_LEVEL_URI: string = RTP_EXTENSION_URI.audioLevelIndication;

/** What readAudioLevel() answers for a packet without the extension (or with an empty one). */
export const NO_AUDIO_LEVEL = -1;

/** The silence level: -127 dBov, and what a muted or digitally silent microphone sends. */
export const SILENCE_LEVEL = 127;

/** The id the publisher uses for the audio level in its packets, 0 when it was not negotiated. */
export function audioLevelExtensionId(extensions: readonly RTCRtpHeaderExtensionParameters[]): number {
  for (const ext of extensions) if (ext.uri === AUDIO_LEVEL_URI) return ext.id;
  return 0;
}

/** A header extension as werift's RTP parser gives it (RFC 8285 one-byte or two-byte form alike). */
export interface ParsedExtension {
  id: number;
  payload: Uint8Array;
}

/**
 * The audio level byte of a packet (V in bit 7, -dBov in bits 0..6), or NO_AUDIO_LEVEL when the
 * packet carries no extension `id` (id 0 never matches: it is padding in the one-byte form).
 */
export function readAudioLevel(extensions: readonly ParsedExtension[], id: number): number {
  if (id === 0) return NO_AUDIO_LEVEL;
  for (let i = 0; i < extensions.length; i++) {
    const ext = extensions[i]!;
    if (ext.id === id) return ext.payload.length > 0 ? ext.payload[0]! : NO_AUDIO_LEVEL;
  }
  return NO_AUDIO_LEVEL;
}

/** The level of an audio level byte: 0 (loudest, 0 dBov) .. 127 (silence, -127 dBov). */
export function levelOf(byte: number): number {
  return byte & 0x7f;
}

/** The V bit of an audio level byte: the sender's voice activity detector heard voice. */
export function voiceOf(byte: number): boolean {
  return (byte & 0x80) !== 0;
}
