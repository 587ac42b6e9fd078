/**
 * Reads the ICE username fragment a datagram is addressed to, without werift's STUN parser: the
 * shared socket looks at every datagram, and all but the few connectivity checks are DTLS, SRTP
 * or SRTCP, which this rejects on their first byte (RFC 7983: STUN starts with 0 to 3).
 */

/** RFC 5389 magic cookie, bytes 4-7 of every STUN message. */
const MAGIC_COOKIE = 0x2112a442;
const HEADER_BYTES = 20;
const BINDING_REQUEST = 0x0001;
const USERNAME = 0x0006;
/** RFC 5389 15.3: USERNAME is under 513 bytes. */
const MAX_USERNAME_BYTES = 512;

/**
 * The receiver's fragment of the USERNAME of a STUN Binding request ("RECEIVER:SENDER", RFC 8445
 * 7.2.2), or undefined for anything else: other STUN messages (responses carry no USERNAME),
 * other protocols, malformed or truncated messages.
 */
export function bindingRequestUfrag(data: Uint8Array): string | undefined {
  if (data.length < HEADER_BYTES || data[0]! > 3) return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (view.getUint16(0) !== BINDING_REQUEST || view.getUint32(4) !== MAGIC_COOKIE) return undefined;
  const length = view.getUint16(2);
  if (length % 4 !== 0 || HEADER_BYTES + length > data.length) return undefined;
  const end = HEADER_BYTES + length;
  let offset = HEADER_BYTES;
  while (offset + 4 <= end) {
    const type = view.getUint16(offset);
    const size = view.getUint16(offset + 2);
    const value = offset + 4;
    if (value + size > end) return undefined;
    if (type === USERNAME) {
      if (size === 0 || size > MAX_USERNAME_BYTES) return undefined;
      const username = Buffer.from(data.buffer, data.byteOffset + value, size).toString('utf8');
      const colon = username.indexOf(':');
      const ufrag = colon < 0 ? username : username.slice(0, colon);
      return ufrag === '' ? undefined : ufrag;
    }
    offset = value + size + ((4 - (size % 4)) % 4);
  }
  return undefined;
}
