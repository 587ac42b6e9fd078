/**
 * Where each session in a room is, in Redis, so that a client can resume (`connect {sessionId}`)
 * through any node: the room and the node that owns it. Written by the edge at a join, deleted
 * when the session ends; a TTL bounds what a node that died without cleaning leaves behind.
 */
import type { ClusterKeys } from './keys.js';
import type { RedisLink } from './RedisLink.js';

export interface SessionLocation {
  room: string;
  node: string;
}

/** Longer than any call is expected to last without a rejoin; only a bound on leftovers. */
const TTL_SECONDS = 24 * 3600;

export class SessionDirectory {
  constructor(
    private readonly link: RedisLink,
    private readonly keys: ClusterKeys,
  ) {}

  async set(sessionId: string, location: SessionLocation): Promise<void> {
    this.link.assertUp();
    await this.link.commands.set(this.keys.session(sessionId), JSON.stringify(location), 'EX', TTL_SECONDS);
  }

  async get(sessionId: string): Promise<SessionLocation | null> {
    this.link.assertUp();
    const raw = await this.link.commands.get(this.keys.session(sessionId));
    return raw === null ? null : (JSON.parse(raw) as SessionLocation);
  }

  async delete(sessionId: string): Promise<void> {
    if (!this.link.up) return;
    await this.link.commands.del(this.keys.session(sessionId));
  }
}
