import { MediaEngineError } from './MediaEngine.js';

/** Refuses calls on a closed engine, with the same error whichever engine it is. */
export function assertEngineOpen(closed: boolean): void {
  if (closed) throw new MediaEngineError('closed', 'media engine is closed');
}

/** Refuses an endpoint id that is empty or already taken. */
export function assertNewEndpointId(endpoints: { has(id: string): boolean }, endpointId: unknown): asserts endpointId is string {
  if (typeof endpointId !== 'string' || endpointId.length === 0) {
    throw new MediaEngineError('internal', 'endpointId must be a non-empty string');
  }
  if (endpoints.has(endpointId)) throw new MediaEngineError('internal', `endpoint ${endpointId} already exists`);
}
