/**
 * Writes an RTP header (RFC 3550, with RFC 8285 one-byte or two-byte extensions) into a buffer
 * the caller owns, at an offset: the forwarding path writes each outgoing packet's header once,
 * into the sender's history ring (RtpHistory.ts), and encrypts from there. werift's own
 * serializer builds the header through bit-writer objects into a new zero-filled buffer.
 */
import type { RtpHeader } from 'werift';

/** RTP header extension profiles (RFC 8285). */
export const ONE_BYTE = 0xbede;
export const TWO_BYTE = 0x1000;

/** Whether this module can write the header (extensions other than RFC 8285's are left to werift). */
export function writable(header: RtpHeader): boolean {
  return header.extensions.length === 0 || header.extensionProfile === ONE_BYTE || header.extensionProfile === TWO_BYTE;
}

/** Whether the header carries an extension block (extensions, or the flag set without any). */
export function hasExtensionBlock(header: RtpHeader): boolean {
  return header.extensions.length > 0 || header.extension === true;
}

export function headerSize(header: RtpHeader): number {
  const size = 12 + 4 * header.csrc.length;
  if (!hasExtensionBlock(header)) return size;
  let ext = 4;
  const perExtension = header.extensionProfile === TWO_BYTE ? 2 : 1;
  for (const e of header.extensions) ext += perExtension + e.payload.length;
  return size + Math.ceil(ext / 4) * 4;
}

/** Writes `header` at `at`; returns its size (headerSize). */
export function writeHeader(header: RtpHeader, out: Buffer, at: number): number {
  const withExtension = hasExtensionBlock(header);
  out[at] = (2 << 6) | (header.padding ? 0x20 : 0) | (withExtension ? 0x10 : 0) | (header.csrc.length & 0x0f);
  out[at + 1] = (header.marker ? 0x80 : 0) | (header.payloadType & 0x7f);
  out.writeUInt16BE(header.sequenceNumber & 0xffff, at + 2);
  out.writeUInt32BE(header.timestamp >>> 0, at + 4);
  out.writeUInt32BE(header.ssrc >>> 0, at + 8);
  let offset = at + 12;
  for (const csrc of header.csrc) {
    out.writeUInt32BE(csrc >>> 0, offset);
    offset += 4;
  }
  if (!withExtension) return offset - at;
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
  return start + padded - at;
}
