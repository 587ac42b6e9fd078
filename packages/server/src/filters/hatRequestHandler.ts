/**
 * The demo's hat filter: `customRequest {"hat": true}` draws a hat above the requester's face in
 * its published video, server-side, for everyone who watches it (loopback included);
 * `{"hat": false}` takes it off. The error messages of the original demo are kept.
 */
import { fileURLToPath } from 'node:url';
import { DEFAULT_STREAM_ID, RoomError, RoomErrorCode } from '@kurento-room/protocol';
import type { FaceOverlayFilterSpec } from '../media/MediaEngine.js';
import type { CustomRequestContext, CustomRequestHandler } from '../room/customRequest.js';

/** The hat drawn by default (an SVG in this package). */
export const DEFAULT_HAT_IMAGE = fileURLToPath(new URL('../../assets/hat.svg', import.meta.url));

/** The original demo's error code for its filter failures. */
export const HAT_ERROR_CODE = -1;

export interface HatFilterOptions {
  /** SVG drawn above each face. Default the package's `assets/hat.svg`. */
  image?: string;
  /**
   * Placement relative to the detected face box, in face widths/heights: the image's corner is
   * at (face.x + x*face.w, face.y + y*face.h) and it is width*face.w by height*face.h.
   */
  placement?: { x: number; y: number; width: number; height: number };
  /** Answers custom requests without a `hat` element (otherwise: "Request element 'hat' is missing"). */
  fallback?: CustomRequestHandler;
}

/** Wide enough for a brim, tall enough for a crown, brim resting on the forehead. */
export const DEFAULT_HAT_PLACEMENT = { x: -0.5, y: -1.25, width: 2.0, height: 1.5 } as const;

function hatFlag(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new RoomError(HAT_ERROR_CODE, `Request element 'hat' must be true or false, got ${JSON.stringify(value)}`);
}

function streamOf(ctx: CustomRequestContext): string {
  const value = ctx.params.streamId;
  if (value === undefined) return DEFAULT_STREAM_ID;
  if (typeof value !== 'string' || value === '') throw new RoomError(HAT_ERROR_CODE, `Request element 'streamId' must be a non-empty string`);
  return value;
}

/** The `customRequest` handler of the hat filter. */
export function createHatRequestHandler(options: HatFilterOptions = {}): CustomRequestHandler {
  const placement = options.placement ?? DEFAULT_HAT_PLACEMENT;
  const spec: FaceOverlayFilterSpec = { type: 'faceOverlay', image: options.image ?? DEFAULT_HAT_IMAGE, ...placement };
  return async (ctx) => {
    if (!('hat' in ctx.params)) {
      if (options.fallback) return options.fallback(ctx);
      throw new RoomError(HAT_ERROR_CODE, "Request element 'hat' is missing");
    }
    const on = hatFlag(ctx.params.hat);
    const streamId = streamOf(ctx);
    if (!ctx.publishedStreams.includes(streamId)) {
      throw new RoomError(
        RoomErrorCode.USER_NOT_STREAMING,
        `User '${ctx.user}' is not publishing video (stream '${streamId}'): the HAT filter works on a published stream`,
      );
    }
    const current = ctx.videoFilters.get(streamId);
    if (on) {
      if (current) throw new RoomError(HAT_ERROR_CODE, 'HAT filter already on');
      const support = await ctx.videoFilters.support();
      if (!support.available) {
        const install = support.missing.length > 0 ? ` Missing packages: ${support.missing.join(', ')}.` : '';
        throw new RoomError(RoomErrorCode.MEDIA_GENERIC, `The HAT filter is not available on this server: ${support.reason ?? 'video filters cannot run'}.${install}`);
      }
      await ctx.videoFilters.set(streamId, spec);
    } else {
      if (!current) throw new RoomError(HAT_ERROR_CODE, 'This user has no HAT filter yet');
      await ctx.videoFilters.set(streamId, null);
    }
    return {};
  };
}
