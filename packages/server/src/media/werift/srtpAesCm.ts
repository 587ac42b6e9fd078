/**
 * SRTP encryption of one outgoing RTP packet with AES_CM_128_HMAC_SHA1_80 (RFC 3711) without a
 * new OpenSSL object per packet. werift (and the AES-GCM path, srtpGcm.ts) create a cipher (and
 * here an HMAC) object per packet; the profile of the SFU benchmark traced the length of the
 * young-generation GC pauses to them: each is a native object with a weak handle that every
 * scavenge must visit (`heap.external_weak_global_handles` in `--trace-gc-nvp`), and their
 * OpenSSL contexts fragment malloc until collected. Here, per SRTP context:
 * - one `aes-128-ecb` cipher object, reused: the AES-CM keystream is AES of the counter blocks
 *   (RFC 3711 section 4.1.1), XORed with the payload in JavaScript;
 * - HMAC-SHA1 (section 4.2.1) computed with `crypto.hash` one-shot digests, which allocate no
 *   object: SHA1((K ^ opad) || SHA1((K ^ ipad) || header || ciphertext || ROC)).
 * The rollover counter state stays werift's (its context functions), as in srtpGcm.ts.
 */
import { createCipheriv, hash, type Cipher } from 'node:crypto';
import { endianness } from 'node:os';

/** SRTP protection profile number of SRTP_AES128_CM_HMAC_SHA1_80 (RFC 5764). */
export const AES128_CM_HMAC_SHA1_80 = 1;
const TAG_BYTES = 10;
const SHA1_BLOCK = 64;
/** The largest packet handled here; a larger one (none on a UDP path MTU) goes to werift. */
const MAX_PACKET = 2048;

interface RolloverState {
  rolloverCounter: number;
}

/** The fields of werift's SRTP context this module relies on (not public API). */
export interface WeriftCmContext {
  profile: number;
  srtpSessionKey: Buffer;
  srtpSessionSalt: Buffer;
  srtpSessionAuthTag: Buffer;
  getSrtpSsrcState(ssrc: number): RolloverState;
  updateRolloverCount(sequenceNumber: number, state: RolloverState): void;
}

/** Counter words are stored through a Uint32Array, in the machine's byte order; RTP's is big-endian. */
const LITTLE_ENDIAN = endianness() === 'LE';
const be32 = (x: number): number => (LITTLE_ENDIAN ? (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0 : x >>> 0);

/** What is kept per SRTP context: the reused cipher and the scratch buffers of one packet. */
class CmState {
  readonly ecb: Cipher;
  /** Counter blocks of one packet, encrypted into its keystream. */
  readonly counters = Buffer.alloc(Math.ceil(MAX_PACKET / 16) * 16);
  /** The same bytes as words (Buffer.alloc gives a buffer of its own, so aligned). */
  readonly counterWords = new Uint32Array(this.counters.buffer, this.counters.byteOffset, this.counters.length / 4);
  /** (K ^ ipad) || packet || ROC: the inner hash's input. */
  readonly inner = Buffer.alloc(SHA1_BLOCK + MAX_PACKET + 4);
  /** (K ^ opad) || inner digest: the outer hash's input. */
  readonly outer = Buffer.alloc(SHA1_BLOCK + 20);

  constructor(key: Buffer, authKey: Buffer) {
    this.ecb = createCipheriv('aes-128-ecb', key, null);
    this.ecb.setAutoPadding(false);
    // RFC 2104: a key shorter than the block is zero-padded (SRTP's is 20 bytes).
    for (let i = 0; i < SHA1_BLOCK; i++) {
      const k = authKey[i] ?? 0;
      this.inner[i] = k ^ 0x36;
      this.outer[i] = k ^ 0x5c;
    }
  }
}

const states = new WeakMap<object, CmState>();

function stateOf(ctx: WeriftCmContext): CmState {
  let state = states.get(ctx);
  if (!state) {
    state = new CmState(ctx.srtpSessionKey, ctx.srtpSessionAuthTag);
    states.set(ctx, state);
  }
  return state;
}

/** dst[d..d+n) = a[o..o+n) ^ keystream[0..n): by 32-bit words where the three are aligned, else by bytes. */
function xorInto(dst: Buffer, d: number, a: Buffer, o: number, keystream: Buffer, n: number): void {
  let i = 0;
  if (((dst.byteOffset + d) & 3) === 0 && ((a.byteOffset + o) & 3) === 0 && (keystream.byteOffset & 3) === 0) {
    const words = n >>> 2;
    const dw = new Int32Array(dst.buffer, dst.byteOffset + d, words);
    const aw = new Int32Array(a.buffer, a.byteOffset + o, words);
    const kw = new Int32Array(keystream.buffer, keystream.byteOffset, words);
    for (let w = 0; w < words; w++) dw[w] = aw[w]! ^ kw[w]!;
    i = words << 2;
  }
  for (; i < n; i++) dst[d + i] = a[o + i]! ^ keystream[i]!;
}

/** The 80-bit authentication tag of `length` bytes at the inner buffer's packet position and the ROC. */
function tag(state: CmState, length: number, roc: number): Buffer {
  state.inner.writeUInt32BE(roc >>> 0, SHA1_BLOCK + length);
  const innerDigest = hash('sha1', state.inner.subarray(0, SHA1_BLOCK + length + 4), 'buffer') as unknown as Buffer;
  innerDigest.copy(state.outer, SHA1_BLOCK);
  return hash('sha1', state.outer, 'buffer') as unknown as Buffer;
}

/**
 * The AES-CM keystream of one packet's payload (RFC 3711 4.1.1): IV = (salt << 16) ^ (SSRC << 64)
 * ^ (index << 16), block j adds j in the low 16 bits; the counter blocks are encrypted with the
 * context's reused ECB cipher.
 */
function keystreamOf(state: CmState, salt: Buffer, ssrc: number, roc: number, sequenceNumber: number, payloadLength: number): Buffer {
  const blocks = Math.ceil(payloadLength / 16);
  const w0 = be32(salt.readUInt32BE(0));
  const w1 = be32(salt.readUInt32BE(4) ^ ssrc);
  const w2 = be32(salt.readUInt32BE(8) ^ roc);
  const w3 = ((salt.readUInt16BE(12) ^ (sequenceNumber & 0xffff)) << 16) >>> 0;
  const words = state.counterWords;
  for (let j = 0, at = 0; j < blocks; j++, at += 4) {
    words[at] = w0;
    words[at + 1] = w1;
    words[at + 2] = w2;
    words[at + 3] = be32(w3 | j);
  }
  return state.ecb.update(state.counters.subarray(0, blocks * 16));
}

/**
 * Encrypts the plaintext RTP packet `packet` (header: its first `headerLength` bytes, SSRC
 * `ssrc`, sequence number `sequenceNumber`) into a new buffer; undefined when the context is not
 * AES-CM with HMAC-SHA1-80 or the packet is too large. `packet` is not changed.
 */
export function encryptRtpAesCmPacket(ctx: WeriftCmContext, packet: Buffer, headerLength: number, ssrc: number, sequenceNumber: number): Buffer | undefined {
  if (ctx.profile !== AES128_CM_HMAC_SHA1_80 || packet.length > MAX_PACKET) return undefined;
  const state = stateOf(ctx);
  const rolloverState = ctx.getSrtpSsrcState(ssrc);
  ctx.updateRolloverCount(sequenceNumber, rolloverState);
  const roc = rolloverState.rolloverCounter >>> 0;

  const payloadLength = packet.length - headerLength;
  const keystream = keystreamOf(state, ctx.srtpSessionSalt, ssrc, roc, sequenceNumber, payloadLength);

  // Header and ciphertext go straight into the inner hash's input, then out.
  const inner = state.inner;
  packet.copy(inner, SHA1_BLOCK, 0, headerLength);
  xorInto(inner, SHA1_BLOCK + headerLength, packet, headerLength, keystream, payloadLength);
  const out = Buffer.allocUnsafe(packet.length + TAG_BYTES);
  inner.copy(out, 0, SHA1_BLOCK, SHA1_BLOCK + packet.length);
  tag(state, packet.length, roc).copy(out, packet.length, 0, TAG_BYTES);
  return out;
}

/** The ROC state werift keeps per remote SSRC, as its own decrypt reads and updates it. */
interface RemoteRolloverState extends RolloverState {
  ssrc?: number;
  lastSequenceNumber: number;
  rolloverHasProcessed?: boolean;
}

/** The remote context's fields read here (werift's SRTP context, not public API). */
export interface WeriftCmRemoteContext extends WeriftCmContext {
  /** werift's per-SSRC rollover states, keyed by SSRC: an entry is added only for an authentic packet. */
  srtpSSRCStates: Record<number, RemoteRolloverState | undefined>;
}

/** Bytes of the RTP header of `packet` (fixed part, CSRCs, extension), or -1 when it does not fit in `end`. */
function rtpHeaderLength(packet: Buffer, end: number): number {
  if (end < 12 || packet[0]! >> 6 !== 2) return -1;
  let length = 12 + (packet[0]! & 0x0f) * 4;
  if (packet[0]! & 0x10) {
    if (length + 4 > end) return -1;
    length += 4 + packet.readUInt16BE(length + 2) * 4;
  }
  return length <= end ? length : -1;
}

/**
 * Decrypts and authenticates one incoming SRTP packet of an AES-CM context, as werift's
 * `remoteContext.decryptRtp` does but without its two OpenSSL objects per packet (a decipher and
 * an HMAC). Returns the RTP packet, or undefined when this path does not apply (another profile,
 * a malformed or too large packet) or the tag does not match: the caller then hands the packet
 * to werift, whose decrypt drops it with its own error, so a bad packet is treated the same way
 * on both paths. The rollover state is committed only for an authentic packet.
 */
export function decryptRtpAesCmPacket(ctx: WeriftCmRemoteContext, packet: Buffer): Buffer | undefined {
  if (ctx.profile !== AES128_CM_HMAC_SHA1_80 || packet.length > MAX_PACKET) return undefined;
  const authenticated = packet.length - TAG_BYTES;
  const headerLength = rtpHeaderLength(packet, authenticated);
  if (headerLength < 0) return undefined;
  const state = stateOf(ctx);
  const sequenceNumber = packet.readUInt16BE(2);
  const ssrc = packet.readUInt32BE(8);

  // As werift does: the rollover state is updated on a copy, stored only once the packet is
  // authentic, so forged packets neither move it nor add SSRCs to the map.
  const existing = ctx.srtpSSRCStates[ssrc];
  const next: RemoteRolloverState = existing ? { ...existing } : { rolloverCounter: 0, lastSequenceNumber: 0 };
  ctx.updateRolloverCount(sequenceNumber, next);
  const roc = next.rolloverCounter >>> 0;

  packet.copy(state.inner, SHA1_BLOCK, 0, authenticated);
  const expected = tag(state, authenticated, roc);
  let difference = 0;
  for (let i = 0; i < TAG_BYTES; i++) difference |= expected[i]! ^ packet[authenticated + i]!;
  if (difference !== 0) return undefined;
  if (existing) Object.assign(existing, next);
  else ctx.srtpSSRCStates[ssrc] = { ...next, ssrc };

  const payloadLength = authenticated - headerLength;
  const keystream = keystreamOf(state, ctx.srtpSessionSalt, ssrc, roc, sequenceNumber, payloadLength);
  const out = Buffer.allocUnsafe(authenticated);
  packet.copy(out, 0, 0, headerLength);
  xorInto(out, headerLength, packet, headerLength, keystream, payloadLength);
  return out;
}
