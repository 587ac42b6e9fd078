import type { MediaEngine } from '../MediaEngine.js';
import { WeriftMediaEngine, type WeriftMediaEngineOptions } from './WeriftMediaEngine.js';

export type { WeriftMediaEngineOptions } from './WeriftMediaEngine.js';
/** Alias used by the room server's options. */
export type { WeriftMediaEngineOptions as WeriftEngineOptions } from './WeriftMediaEngine.js';
export type { MediaLogFn, MediaLogLevel, MediaLogger } from './log.js';

/** The SFU media plane on werift, in this process. */
export function createWeriftMediaEngine(options: WeriftMediaEngineOptions = {}): MediaEngine {
  return new WeriftMediaEngine(options);
}
