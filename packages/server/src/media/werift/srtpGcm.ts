/**
 * SRTP encryption of one outgoing RTP packet with AEAD_AES_128_GCM (RFC 7714), written for the
 * forwarding path: the header is written once into the output buffer, which then receives the
 * ciphertext and the tag. werift's own path builds the header through bit-writer objects into a
 * zero-filled buffer, builds the IV through a generic writer and concatenates three buffers,
 * allocations that the profile of the SFU benchmark showed per packet. The rollover counter
 * state stays werift's (its context functions), so werift's retransmissions of the same stream
 * keep counting right. Other SRTP profiles return undefined and take werift's path.
 */
import { createCipheriv } from 'node:crypto';
import type { RtpHeader } from 'werift';
import { headerSize, writable, writeHeader } from './rtpBytes.js';

/** SRTP protection profile number of AEAD_AES_128_GCM (RFC 7714). */
const AEAD_AES_128_GCM = 7;
const TAG_BYTES = 16;

interface RolloverState {
  rolloverCounter: number;
}

/** The fields of werift's SRTP context this module relies on (not public API). */
export interface WeriftSrtpContext {
  profile: number;
  cipher: { srtpSessionKey: Buffer; srtpSessionSalt: Buffer };
  getSrtpSsrcState(ssrc: number): RolloverState;
  updateRolloverCount(sequenceNumber: number, state: RolloverState): void;
}

/** Encrypts `payload` under `header`; undefined when the context is not AES-GCM. */
export function encryptRtpGcm(ctx: WeriftSrtpContext, header: RtpHeader, payload: Buffer): Buffer | undefined {
  if (ctx.profile !== AEAD_AES_128_GCM) return undefined;
  // Extensions other than the one-byte and two-byte forms are not forwarded; leave them to werift.
  if (!writable(header)) return undefined;
  const size = headerSize(header);
  const plain = Buffer.allocUnsafe(size + payload.length);
  writeHeader(header, plain, 0);
  payload.copy(plain, size);
  return encryptRtpGcmPacket(ctx, plain, size, header.ssrc, header.sequenceNumber);
}

/**
 * Encrypts the plaintext RTP packet `packet` (its header is the first `headerLength` bytes, of
 * SSRC `ssrc` and sequence number `sequenceNumber`) into a new buffer; undefined when the
 * context is not AES-GCM. `packet` is not changed (the history ring keeps it for NACKs).
 */
export function encryptRtpGcmPacket(ctx: WeriftSrtpContext, packet: Buffer, headerLength: number, ssrc: number, sequenceNumber: number): Buffer | undefined {
  if (ctx.profile !== AEAD_AES_128_GCM) return undefined;
  const out = Buffer.allocUnsafe(packet.length + TAG_BYTES);
  packet.copy(out, 0, 0, headerLength);

  const state = ctx.getSrtpSsrcState(ssrc);
  ctx.updateRolloverCount(sequenceNumber, state);
  // RFC 7714 section 8.1: 00 00 || SSRC || ROC || SEQ, XORed with the session salt.
  const iv = Buffer.allocUnsafe(12);
  iv.writeUInt16BE(0, 0);
  iv.writeUInt32BE(ssrc >>> 0, 2);
  iv.writeUInt32BE(state.rolloverCounter >>> 0, 6);
  iv.writeUInt16BE(sequenceNumber & 0xffff, 10);
  const salt = ctx.cipher.srtpSessionSalt;
  for (let i = 0; i < 12; i++) iv[i]! ^= salt[i]!;

  const cipher = createCipheriv('aes-128-gcm', ctx.cipher.srtpSessionKey, iv);
  cipher.setAAD(packet.subarray(0, headerLength));
  const encrypted = cipher.update(packet.subarray(headerLength));
  cipher.final();
  encrypted.copy(out, headerLength);
  cipher.getAuthTag().copy(out, headerLength + encrypted.length);
  return out;
}
