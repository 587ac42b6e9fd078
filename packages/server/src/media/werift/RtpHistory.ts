/**
 * A sender's NACK history as bytes: the plaintext of the last packets sent, in one preallocated
 * buffer used as a ring, instead of werift's array of packet objects. The profile of the SFU
 * benchmark showed that array (an RtpPacket, its header, extension objects and buffers per
 * packet, kept for 128 packets) as the second largest source of young-generation garbage that
 * survives, i.e. of scavenge time and of the latency tail, and ~140 kB of heap per connection.
 *
 * Bounded twice: SLOTS packets (werift's NACK handler indexes the history by sequence number
 * modulo 128, so the slot of a packet is the same here) and the buffer's bytes. A packet whose
 * bytes were overwritten since is gone, as a packet past the 128 is in werift.
 *
 * `view` stands in for werift's `rtpCache` array: werift's NACK handler reads `rtpCache[seq %
 * 128]` and retransmits what it gets (through RTX when negotiated), so a packet object is built
 * only for a packet that is asked for again.
 */
import { RtpPacket } from 'werift';

/** werift's NACK history length and index (RTP_HISTORY_SIZE in its rtpSender). */
export const SLOTS = 128;

/**
 * Bytes of history per sender. Video: 64 KiB, ~1 s at 500 kbit/s and ~250 ms at 2 Mbit/s, longer
 * than a retransmission is of use on the networks an SFU serves (Janus keeps 200-300 ms by
 * default); audio packets are small, and 8 KiB holds about 60 of them.
 */
export const VIDEO_HISTORY_BYTES = 64 * 1024;
export const AUDIO_HISTORY_BYTES = 8 * 1024;

export class RtpHistory {
  readonly #arena: Buffer;
  /** Absolute (ever increasing) byte position of the next write; the arena holds [pos - length, pos). */
  #pos = 0;
  readonly #seq = new Int32Array(SLOTS).fill(-1);
  readonly #start = new Float64Array(SLOTS);
  readonly #size = new Uint16Array(SLOTS);
  /** The array-like werift reads (and, from its own send path, writes) as `rtpCache`. */
  readonly view: RtpPacket[];

  constructor(bytes: number) {
    this.#arena = Buffer.allocUnsafe(bytes);
    const history = this;
    this.view = new Proxy([] as RtpPacket[], {
      get(target, key, receiver) {
        if (typeof key === 'string') {
          const index = Number(key);
          if (Number.isInteger(index) && index >= 0) return history.packetAt(index);
        }
        return Reflect.get(target, key, receiver) as unknown;
      },
      set(_target, key, value) {
        // werift's own sendRtp stores what it sends; keep it here as bytes like the rest.
        if (typeof key === 'string' && value instanceof RtpPacket) history.storePacket(value);
        return true;
      },
    });
  }

  get capacity(): number {
    return this.#arena.length;
  }

  /**
   * Reserves `size` bytes for the packet `sequenceNumber` and returns their offset in `buffer`,
   * for the caller to write the packet there. undefined when the packet is larger than the ring.
   */
  reserve(sequenceNumber: number, size: number): number | undefined {
    const length = this.#arena.length;
    const slot = sequenceNumber % SLOTS;
    if (size > length || size > 0xffff) {
      this.#seq[slot] = -1;
      return undefined;
    }
    // A packet never straddles the end: skip to the start of the next lap.
    if ((this.#pos % length) + size > length) this.#pos += length - (this.#pos % length);
    const start = this.#pos;
    // Slots start on 4-byte boundaries: the SRTP code XORs payloads by 32-bit words.
    this.#pos += (size + 3) & ~3;
    this.#seq[slot] = sequenceNumber & 0xffff;
    this.#start[slot] = start;
    this.#size[slot] = size;
    return start % length;
  }

  get buffer(): Buffer {
    return this.#arena;
  }

  /** The stored bytes of the packet in `slot` (a view into the ring), if it is still whole. */
  bytesAt(slot: number): Buffer | undefined {
    if (slot >= SLOTS || this.#seq[slot] === -1) return undefined;
    const start = this.#start[slot]!;
    if (start < this.#pos - this.#arena.length) return undefined;
    const at = start % this.#arena.length;
    return this.#arena.subarray(at, at + this.#size[slot]!);
  }

  /** The packet in `slot` as a packet object of its own (a copy: the ring moves on). */
  packetAt(slot: number): RtpPacket | undefined {
    const bytes = this.bytesAt(slot);
    return bytes ? RtpPacket.deSerialize(Buffer.from(bytes)) : undefined;
  }

  storePacket(packet: RtpPacket): void {
    const bytes = packet.serialize();
    const at = this.reserve(packet.header.sequenceNumber, bytes.length);
    if (at !== undefined) bytes.copy(this.#arena, at);
  }
}
