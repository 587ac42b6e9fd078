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

/** RTP header extension profiles (RFC 8285). */
const ONE_BYTE = 0xbede;
const TWO_BYTE = 0x1000;

function headerSize(header: RtpHeader, withExtension: boolean): number {
  let size = 12 + 4 * header.csrc.length;
  if (!withExtension) return size;
  let ext = 4;
  const perExtension = header.extensionProfile === TWO_BYTE ? 2 : 1;
  for (const e of header.extensions) ext += perExtension + e.payload.length;
  return size + Math.ceil(ext / 4) * 4;
}

function writeHeader(header: RtpHeader, withExtension: boolean, out: Buffer): void {
  out[0] = (2 << 6) | (header.padding ? 0x20 : 0) | (withExtension ? 0x10 : 0) | (header.csrc.length & 0x0f);
  out[1] = (header.marker ? 0x80 : 0) | (header.payloadType & 0x7f);
  out.writeUInt16BE(header.sequenceNumber & 0xffff, 2);
  out.writeUInt32BE(header.timestamp >>> 0, 4);
  out.writeUInt32BE(header.ssrc >>> 0, 8);
  let offset = 12;
  for (const csrc of header.csrc) {
    out.writeUInt32BE(csrc >>> 0, offset);
    offset += 4;
  }
  if (!withExtension) return;
  const twoByte = header.extensionProfile === TWO_BYTE;
  out.writeUInt16BE(twoByte ? TWO_BYTE : ONE_BYTE, offset);
  const lengthAt = offset + 2;
  offset += 4;
  const start = offset;
  for (const e of header.extensions) {
    if (twoByte) {
      out[offset++] = e.id;
      out[offset++] = e.payload.length;
    } else {
      out[offset++] = (e.id << 4) | (e.payload.length - 1);
    }
    e.payload.copy(out, offset);
    offset += e.payload.length;
  }
  const padded = Math.ceil((offset - start) / 4) * 4;
  out.fill(0, offset, start + padded);
  out.writeUInt16BE(padded / 4, lengthAt);
}

/** Encrypts `payload` under `header`; undefined when the context is not AES-GCM. */
export function encryptRtpGcm(ctx: WeriftSrtpContext, header: RtpHeader, payload: Buffer): Buffer | undefined {
  if (ctx.profile !== AEAD_AES_128_GCM) return undefined;
  // Extensions other than the one-byte and two-byte forms are not forwarded; leave them to werift.
  if (header.extensions.length > 0 && header.extensionProfile !== ONE_BYTE && header.extensionProfile !== TWO_BYTE) return undefined;
  const withExtension = header.extensions.length > 0 || header.extension === true;
  const size = headerSize(header, withExtension);
  const out = Buffer.allocUnsafe(size + payload.length + TAG_BYTES);
  writeHeader(header, withExtension, out);

  const state = ctx.getSrtpSsrcState(header.ssrc);
  ctx.updateRolloverCount(header.sequenceNumber, state);
  // RFC 7714 section 8.1: 00 00 || SSRC || ROC || SEQ, XORed with the session salt.
  const iv = Buffer.allocUnsafe(12);
  iv.writeUInt16BE(0, 0);
  iv.writeUInt32BE(header.ssrc >>> 0, 2);
  iv.writeUInt32BE(state.rolloverCounter >>> 0, 6);
  iv.writeUInt16BE(header.sequenceNumber & 0xffff, 10);
  const salt = ctx.cipher.srtpSessionSalt;
  for (let i = 0; i < 12; i++) iv[i]! ^= salt[i]!;

  const cipher = createCipheriv('aes-128-gcm', ctx.cipher.srtpSessionKey, iv);
  cipher.setAAD(out.subarray(0, size));
  const encrypted = cipher.update(payload);
  cipher.final();
  encrypted.copy(out, size);
  cipher.getAuthTag().copy(out, size + encrypted.length);
  return out;
}
