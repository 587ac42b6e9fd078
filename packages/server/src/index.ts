export { createRoomServer, RoomServer, clientBrowserDir, demoDir, type RoomServerOptions, type RoomServerStats } from './RoomServer.js';
export type { CustomRequestContext, CustomRequestHandler, VideoFilterAccess } from './room/customRequest.js';
export type {
  MediaEngine,
  MediaEngineEvents,
  EngineStats,
  PublishRequest,
  SubscribeRequest,
  VideoFilterSpec,
  FaceOverlayFilterSpec,
  FilterSupport,
} from './media/MediaEngine.js';
export { createHatRequestHandler, DEFAULT_HAT_IMAGE, DEFAULT_HAT_PLACEMENT, type HatFilterOptions } from './filters/hatRequestHandler.js';
export { MediaEngineError } from './media/MediaEngine.js';
export { demoContentSecurityPolicy } from './http/securityHeaders.js';
export type { StaticMount } from './http/staticFiles.js';
export { createLogger, type Logger, type LogLevel } from './log.js';
export { RoomManager } from './room/RoomManager.js';
// For an application backend that mints its users' access tokens (docs/deploy.md).
export {
  mintAccessToken,
  verifyAccessToken,
  AccessTokenError,
  DEFAULT_GRANTS,
  type AccessClaims,
  type AccessTokenFault,
  type Grants,
  type MintOptions,
} from './auth/accessToken.js';
export { webhookSignature, SIGNATURE_HEADER, type WebhookEventName, type WebhookPayload } from './webhooks/WebhookSender.js';
export { DEFAULT_LIMITS, PING_INTERVAL_RANGE_MS, SEND_BUFFER_CLOSE_CODE, type Limits } from './limits.js';
