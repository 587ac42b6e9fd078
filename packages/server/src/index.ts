export { createRoomServer, RoomServer, clientBrowserDir, demoDir, type RoomServerOptions, type RoomServerStats } from './RoomServer.js';
export type { CustomRequestContext, CustomRequestHandler } from './signalling/RoomRpcHandler.js';
export type { MediaEngine, MediaEngineEvents, EngineStats, PublishRequest, SubscribeRequest } from './media/MediaEngine.js';
export { MediaEngineError } from './media/MediaEngine.js';
export { createLogger, type Logger, type LogLevel } from './log.js';
export { RoomManager } from './room/RoomManager.js';
