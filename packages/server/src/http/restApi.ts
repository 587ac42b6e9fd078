import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { RoomManager } from '../room/RoomManager.js';
import { sendEmpty, sendError, sendJson } from './respond.js';

export interface RestContext {
  rooms: RoomManager;
  adminSecret?: string;
  /** Client speaker-detection defaults served by the original's REST calls. */
  updateSpeakerInterval: number;
  thresholdSpeaker: number;
  stats: () => Promise<Record<string, unknown>>;
}

function authorized(req: IncomingMessage, secret: string | undefined): boolean {
  if (!secret) return true;
  const header = req.headers.authorization ?? '';
  const match = /^Bearer\s+(.+)$/i.exec(header);
  if (!match) return false;
  const given = Buffer.from(match[1]!.trim());
  const expected = Buffer.from(secret);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/**
 * The original's REST calls (`/getAllRooms`, `/close`, speaker settings) and the admin API
 * under `/api`. Returns false when the path is not one of these.
 */
export async function handleRest(ctx: RestContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  const path = url.pathname;
  const method = req.method ?? 'GET';

  if (path === '/getAllRooms' && method === 'GET') {
    sendJson(res, 200, ctx.rooms.roomNames());
    return true;
  }
  if (path === '/getUpdateSpeakerInterval' && method === 'GET') {
    sendJson(res, 200, ctx.updateSpeakerInterval);
    return true;
  }
  if (path === '/getThresholdSpeaker' && method === 'GET') {
    sendJson(res, 200, ctx.thresholdSpeaker);
    return true;
  }
  if (path === '/health' || path === '/api/health') {
    sendJson(res, 200, { status: 'ok' });
    return true;
  }
  if (path === '/close') {
    if (!authorized(req, ctx.adminSecret)) return unauthorized(res), true;
    const room = url.searchParams.get('room');
    if (!room) return sendError(res, 400, "query parameter 'room' is required"), true;
    if (!ctx.rooms.closeRoom(room)) return sendError(res, 404, `Room '${room}' not found`), true;
    sendEmpty(res, 200);
    return true;
  }
  if (!path.startsWith('/api/')) return false;
  if (!authorized(req, ctx.adminSecret)) return unauthorized(res), true;

  const segments = path.slice('/api/'.length).split('/').map(decodeSegment);
  if (segments.some((s) => s === null)) return sendError(res, 400, 'malformed percent-encoding in path'), true;
  const [first, roomName, third, user, ...rest] = segments as string[];

  if (first === 'stats' && segments.length === 1 && method === 'GET') {
    sendJson(res, 200, await ctx.stats());
    return true;
  }
  if (first !== 'rooms' || rest.length > 0) return sendError(res, 404, `no API at '${path}'`), true;

  if (roomName === undefined || roomName === '') {
    if (method !== 'GET') return methodNotAllowed(res, 'GET'), true;
    sendJson(res, 200, ctx.rooms.dump().map((r) => ({ name: r.name, createdAt: r.createdAt, participants: r.participants.length })));
    return true;
  }
  const room = ctx.rooms.getRoom(roomName);
  if (third === undefined) {
    if (!room) return sendError(res, 404, `Room '${roomName}' not found`), true;
    if (method === 'GET') return sendJson(res, 200, room.dump()), true;
    if (method === 'DELETE') {
      ctx.rooms.closeRoom(roomName);
      return sendEmpty(res, 204), true;
    }
    return methodNotAllowed(res, 'GET, DELETE'), true;
  }
  if (third !== 'participants' || user === undefined || user === '') return sendError(res, 404, `no API at '${path}'`), true;
  if (method !== 'DELETE') return methodNotAllowed(res, 'DELETE'), true;
  const participant = room?.get(user);
  if (!room || !participant) return sendError(res, 404, `User '${user}' not found in room '${roomName}'`), true;
  ctx.rooms.evict(participant, 'evicted');
  sendEmpty(res, 204);
  return true;
}

function unauthorized(res: ServerResponse): void {
  res.setHeader('www-authenticate', 'Bearer');
  sendError(res, 401, 'admin secret required: send it as "Authorization: Bearer <secret>"');
}

function methodNotAllowed(res: ServerResponse, allow: string): void {
  res.setHeader('allow', allow);
  sendError(res, 405, `method not allowed; use ${allow}`);
}
