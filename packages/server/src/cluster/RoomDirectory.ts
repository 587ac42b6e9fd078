/**
 * Which node owns which room, in Redis. A room is claimed atomically (a Lua script) on its first
 * join: the first claimant's choice wins and every later claim reads the same owner, unless that
 * owner's heartbeat key is gone (dead node), in which case the claim moves the room. A room is
 * released by its owner when it empties (compare-and-delete, so a late release cannot drop a
 * room that has moved). After Redis came back empty, each node re-claims the rooms it holds.
 */
import { ClusterError } from './ClusterError.js';
import type { ClusterKeys } from './keys.js';
import type { RedisLink } from './RedisLink.js';

/**
 * KEYS[1] room key, KEYS[2] candidate's noderooms set. ARGV[1] candidate node id, ARGV[2] node key
 * prefix, ARGV[3] noderooms key prefix, ARGV[4] room name. Returns the owner after the call.
 */
const CLAIM = `
local owner = redis.call('GET', KEYS[1])
if owner and redis.call('EXISTS', ARGV[2] .. owner) == 1 then return owner end
if redis.call('EXISTS', ARGV[2] .. ARGV[1]) == 0 then return false end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[4])
if owner and owner ~= ARGV[1] then redis.call('SREM', ARGV[3] .. owner, ARGV[4]) end
return ARGV[1]
`;

/** KEYS[1] room key, KEYS[2] noderooms set; ARGV[1] node id, ARGV[2] room name. 1 if released. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('SREM', KEYS[2], ARGV[2])
  return 1
end
redis.call('SREM', KEYS[2], ARGV[2])
return 0
`;

export class RoomDirectory {
  constructor(
    private readonly link: RedisLink,
    private readonly keys: ClusterKeys,
  ) {}

  /** Whether Redis can be asked now. */
  available(): boolean {
    return this.link.up;
  }

  /**
   * Claims `room` for `candidate` unless a live node owns it; returns the owner. A candidate
   * without a heartbeat (just died, not yet noticed by the caller) is refused: NODE_GONE.
   */
  async claim(room: string, candidate: string): Promise<string> {
    this.link.assertUp();
    const owner = await this.link.commands.eval(
      CLAIM,
      2,
      this.keys.room(room),
      this.keys.nodeRooms(candidate),
      candidate,
      this.keys.node(''),
      this.keys.nodeRooms(''),
      room,
    );
    if (owner === null) throw new ClusterError('NODE_GONE', `Node ${candidate} has no heartbeat: room '${room}' not claimed for it`);
    return String(owner);
  }

  /** The live owner of `room`, or null (none, or its node is dead). */
  async owner(room: string): Promise<string | null> {
    this.link.assertUp();
    const owner = await this.link.commands.get(this.keys.room(room));
    if (owner === null) return null;
    const alive = await this.link.commands.exists(this.keys.node(owner));
    return alive ? owner : null;
  }

  /** Releases `room` if `nodeId` still owns it. */
  async release(room: string, nodeId: string): Promise<boolean> {
    this.link.assertUp();
    const released = await this.link.commands.eval(RELEASE, 2, this.keys.room(room), this.keys.nodeRooms(nodeId), nodeId, room);
    return released === 1;
  }

  /** Rooms this node is recorded to own. */
  async roomsOf(nodeId: string): Promise<string[]> {
    this.link.assertUp();
    return this.link.commands.smembers(this.keys.nodeRooms(nodeId));
  }

  /** Every room with an owner: name -> node id (owners may be dead until a claim moves them). */
  async all(): Promise<Map<string, string>> {
    this.link.assertUp();
    const result = new Map<string, string>();
    const prefix = this.keys.room('');
    let cursor = '0';
    do {
      const [next, found] = await this.link.commands.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (found.length) {
        const owners = await this.link.commands.mget(...found);
        found.forEach((key, i) => {
          const owner = owners[i];
          if (owner != null) result.set(key.slice(prefix.length), owner);
        });
      }
    } while (cursor !== '0');
    return result;
  }
}
