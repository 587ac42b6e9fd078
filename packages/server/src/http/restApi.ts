import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log.js';
import type { RoomService } from '../boundary/RoomService.js';
import { decideAdminAccess, type AdminAccessConfig } from './adminAccess.js';
import { sendEmpty, sendError, sendJson } from './respond.js';

export interface RestContext extends AdminAccessConfig {
  /** Views and admin actions go to the room layer as data, as the signalling layer's commands do. */
  rooms: RoomService;
  log: Logger;
  /** Client speaker-detection defaults served by the original's REST calls. */
  updateSpeakerInterval: number;
  thresholdSpeaker: number;
  stats: () => Promise<Record<string, unknown>>;
  /** False once the server is shutting down. */
  ready: () => boolean;
  /** Prometheus exposition of the server's metrics. */
  metrics: () => Promise<{ contentType: string; body: string }>;
}

/**
 * Checks admin access for this request (answering 401/403 when refused) and returns a function
 * that logs the action it performs, with who was let in and how.
 */
function admit(ctx: RestContext, req: IncomingMessage, res: ServerResponse, mutating: boolean): ((action: string, fields?: Record<string, unknown>) => void) | null {
  const remote = req.socket.remoteAddress;
  const decision = decideAdminAccess(ctx, { authorization: req.headers.authorization, remoteAddress: remote, mutating });
  if (!decision.allowed) {
    if (decision.status === 401) res.setHeader('www-authenticate', 'Bearer');
    ctx.log.warn('admin request refused', { method: req.method, path: req.url, remote, status: decision.status, reason: decision.message });
    sendError(res, decision.status, decision.message);
    return null;
  }
  return (action, fields) =>
    ctx.log.info('admin action', { action, ...fields, remote, via: decision.via, ...(decision.subject ? { subject: decision.subject } : {}) });
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
    sendJson(res, 200, await ctx.rooms.roomNames());
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
  if (path === '/ready') {
    const ready = ctx.ready();
    sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'shutting down' });
    return true;
  }
  // Open like /health: the deployment's reverse proxy keeps it from the outside (docs/deploy.md).
  if (path === '/metrics' && (method === 'GET' || method === 'HEAD')) {
    const { contentType, body } = await ctx.metrics();
    res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
    res.end(method === 'HEAD' ? undefined : body);
    return true;
  }
  if (path === '/close') {
    const audit = admit(ctx, req, res, true);
    if (!audit) return true;
    const room = url.searchParams.get('room');
    if (!room) return sendError(res, 400, "query parameter 'room' is required"), true;
    if (!(await ctx.rooms.administer({ kind: 'closeRoom', room })).found) return sendError(res, 404, `Room '${room}' not found`), true;
    audit('close room', { room });
    sendEmpty(res, 200);
    return true;
  }
  if (!path.startsWith('/api/')) return false;
  const audit = admit(ctx, req, res, method !== 'GET' && method !== 'HEAD');
  if (!audit) return true;

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
    sendJson(res, 200, (await ctx.rooms.describeRooms()).map((r) => ({ name: r.name, createdAt: r.createdAt, participants: r.participants.length, ...(r.node !== undefined ? { node: r.node } : {}) })));
    return true;
  }
  if (third === undefined) {
    const notFound = () => (sendError(res, 404, `Room '${roomName}' not found`), true);
    if (method === 'DELETE') {
      if (!(await ctx.rooms.administer({ kind: 'closeRoom', room: roomName })).found) return notFound();
      audit('close room', { room: roomName });
      return sendEmpty(res, 204), true;
    }
    const room = await ctx.rooms.describeRoom(roomName);
    if (!room) return notFound();
    if (method === 'GET') return sendJson(res, 200, room), true;
    return methodNotAllowed(res, 'GET, DELETE'), true;
  }
  if (third !== 'participants' || user === undefined || user === '') return sendError(res, 404, `no API at '${path}'`), true;
  if (method !== 'DELETE') return methodNotAllowed(res, 'DELETE'), true;
  if (!(await ctx.rooms.administer({ kind: 'evict', room: roomName, user })).found) {
    return sendError(res, 404, `User '${user}' not found in room '${roomName}'`), true;
  }
  audit('evict participant', { room: roomName, user });
  sendEmpty(res, 204);
  return true;
}

function methodNotAllowed(res: ServerResponse, allow: string): void {
  res.setHeader('allow', allow);
  sendError(res, 405, `method not allowed; use ${allow}`);
}
