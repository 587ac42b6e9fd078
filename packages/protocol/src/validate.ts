import { Errors, RoomError } from './errors.js';
import type { RequestParamsMap } from './messages.js';
import { Method } from './methods.js';

type FieldType = 'string' | 'boolean' | 'integer' | 'streamId';

interface FieldSpec {
  type: FieldType;
  required: boolean;
  /** Longest accepted string, to keep one request from holding unbounded state. */
  maxLength?: number;
}

const NAME_MAX = 256;
const STREAM_ID_PATTERN = /^[A-Za-z0-9-]{1,64}$/;

const req = (type: FieldType, maxLength?: number): FieldSpec => ({ type, required: true, maxLength });
const opt = (type: FieldType, maxLength?: number): FieldSpec => ({ type, required: false, maxLength });

/** The parameters each method reads. Unknown extra keys are allowed, as in the original. */
export const paramSchemas: { [M in keyof RequestParamsMap]: Record<string, FieldSpec> } = {
  joinRoom: { user: req('string', NAME_MAX), room: req('string', NAME_MAX), dataChannels: opt('boolean') },
  publishVideo: { sdpOffer: req('string'), doLoopback: req('boolean'), streamId: opt('streamId') },
  unpublishVideo: { streamId: opt('streamId') },
  receiveVideoFrom: { sender: req('string', NAME_MAX + 65), sdpOffer: req('string') },
  unsubscribeFromVideo: { sender: req('string', NAME_MAX + 65) },
  onIceCandidate: {
    endpointName: req('string', NAME_MAX),
    candidate: req('string', 4096),
    sdpMid: req('string', 256),
    sdpMLineIndex: req('integer'),
  },
  leaveRoom: {},
  sendMessage: { message: req('string'), userMessage: req('string', NAME_MAX), roomMessage: req('string', NAME_MAX) },
  customRequest: {},
  ping: { interval: opt('integer') },
  closeSession: {},
};

export function isKnownMethod(method: string): method is keyof RequestParamsMap {
  return Object.prototype.hasOwnProperty.call(paramSchemas, method);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function checkField(name: string, spec: FieldSpec, value: unknown): RoomError | null {
  switch (spec.type) {
    case 'string':
      if (typeof value !== 'string') return Errors.invalidParams(`Request element '${name}' must be a string, got ${typeName(value)}`);
      if (spec.maxLength !== undefined && value.length > spec.maxLength)
        return Errors.invalidParams(`Request element '${name}' is longer than ${spec.maxLength} characters`);
      return null;
    case 'boolean':
      return typeof value === 'boolean' ? null : Errors.invalidParams(`Request element '${name}' must be a boolean, got ${typeName(value)}`);
    case 'integer':
      return Number.isInteger(value) ? null : Errors.invalidParams(`Request element '${name}' must be an integer, got ${typeName(value)}`);
    case 'streamId':
      return typeof value === 'string' && STREAM_ID_PATTERN.test(value)
        ? null
        : Errors.invalidParams(`Request element '${name}' must be 1-64 letters, digits or '-'`);
  }
}

/**
 * Checks a request's params against its method's schema. A missing or null required element
 * gives the original's message ("Request element 'X' is missing") under the standard -32602 code.
 */
export function validateParams<M extends keyof RequestParamsMap>(
  method: M,
  params: Record<string, unknown> | undefined,
): { ok: true; params: RequestParamsMap[M] } | { ok: false; error: RoomError } {
  const given = params ?? {};
  const schema = paramSchemas[method];
  for (const [name, spec] of Object.entries(schema)) {
    const value = given[name];
    if (value === undefined || value === null) {
      if (spec.required) return { ok: false, error: Errors.invalidParams(`Request element '${name}' is missing`) };
      continue;
    }
    const error = checkField(name, spec, value);
    if (error) return { ok: false, error };
  }
  return { ok: true, params: given as unknown as RequestParamsMap[M] };
}

export { Method };
