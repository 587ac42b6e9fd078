import { Errors, RoomError } from './errors.js';
import type { RequestParamsMap } from './messages.js';
import { Method } from './methods.js';
import { nameProblem } from './names.js';

/** `name`: a user or room name, bounded by `ParamLimits.nameChars` and the character rule of names.ts. */
/** `oneOf`: a string among `FieldSpec.values`. */
type FieldType = 'string' | 'boolean' | 'integer' | 'streamId' | 'name' | 'oneOf';

/** The string bounds a server configures; the rest of the schema is fixed by the protocol. */
export interface ParamLimits {
  /** Longest user or room name, in characters. */
  nameChars: number;
  /** Longest chat message (`sendMessage.message`), in characters. */
  messageChars: number;
}

/** Defaults a real deployment can keep: names fit a screen, a chat message a long paragraph. */
export const DEFAULT_PARAM_LIMITS: Readonly<ParamLimits> = { nameChars: 100, messageChars: 10_000 };

type Bound = number | ((limits: ParamLimits) => number);

interface FieldSpec {
  type: FieldType;
  required: boolean;
  /** Longest accepted string, to keep one request from holding unbounded state. */
  maxLength?: Bound;
  /** The accepted strings of a `oneOf` field. */
  values?: readonly string[];
}

const STREAM_ID_PATTERN = /^[A-Za-z0-9-]{1,64}$/;
const nameChars = (l: ParamLimits) => l.nameChars;
/** `<user>_<streamId>`: a name, '_' and a stream id of up to 64 characters. */
const senderChars = (l: ParamLimits) => l.nameChars + 65;

const req = (type: FieldType, maxLength?: Bound): FieldSpec => ({ type, required: true, maxLength });
const opt = (type: FieldType, maxLength?: Bound): FieldSpec => ({ type, required: false, maxLength });
const oneOf = (required: boolean, ...values: string[]): FieldSpec => ({ type: 'oneOf', required, values });

/** The optional track fields of a published stream (StreamTracks). */
const streamTracks = {
  hasAudio: opt('boolean'),
  hasVideo: opt('boolean'),
  audioActive: opt('boolean'),
  videoActive: opt('boolean'),
  typeOfVideo: oneOf(false, 'CAMERA', 'SCREEN'),
};

/** The parameters each method reads. Unknown extra keys are allowed, as in the original. */
export const paramSchemas: { [M in keyof RequestParamsMap]: Record<string, FieldSpec> } = {
  joinRoom: { user: req('name'), room: req('name'), dataChannels: opt('boolean'), token: opt('string', 8192) },
  publishVideo: { sdpOffer: req('string'), doLoopback: req('boolean'), streamId: opt('streamId'), ...streamTracks },
  unpublishVideo: { streamId: opt('streamId') },
  receiveVideoFrom: { sender: req('string', senderChars), sdpOffer: req('string') },
  unsubscribeFromVideo: { sender: req('string', senderChars) },
  onIceCandidate: {
    endpointName: req('string', senderChars),
    sender: opt('string', senderChars),
    candidate: req('string', 4096),
    sdpMid: req('string', 256),
    sdpMLineIndex: req('integer'),
  },
  leaveRoom: {},
  sendMessage: {
    message: req('string', (l) => l.messageChars),
    userMessage: req('string', nameChars),
    roomMessage: req('string', nameChars),
  },
  customRequest: {},
  ping: { interval: opt('integer') },
  closeSession: {},
  streamPropertyChanged: { streamId: req('streamId'), property: oneOf(true, 'audioActive', 'videoActive'), newValue: req('boolean') },
};

export function isKnownMethod(method: string): method is keyof RequestParamsMap {
  return Object.prototype.hasOwnProperty.call(paramSchemas, method);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function checkField(name: string, spec: FieldSpec, value: unknown, limits: ParamLimits): RoomError | null {
  switch (spec.type) {
    case 'string': {
      if (typeof value !== 'string') return Errors.invalidParams(`Request element '${name}' must be a string, got ${typeName(value)}`);
      const max = typeof spec.maxLength === 'function' ? spec.maxLength(limits) : spec.maxLength;
      if (max !== undefined && value.length > max) return Errors.invalidParams(`Request element '${name}' is longer than ${max} characters`);
      return null;
    }
    case 'name': {
      if (typeof value !== 'string') return Errors.invalidParams(`Request element '${name}' must be a string, got ${typeName(value)}`);
      const problem = nameProblem(name, value, limits.nameChars);
      return problem === null ? null : Errors.invalidParams(problem);
    }
    case 'boolean':
      return typeof value === 'boolean' ? null : Errors.invalidParams(`Request element '${name}' must be a boolean, got ${typeName(value)}`);
    case 'integer':
      return Number.isInteger(value) ? null : Errors.invalidParams(`Request element '${name}' must be an integer, got ${typeName(value)}`);
    case 'oneOf': {
      const values = spec.values ?? [];
      return typeof value === 'string' && values.includes(value)
        ? null
        : Errors.invalidParams(`Request element '${name}' must be one of ${values.map((v) => `'${v}'`).join(', ')}, got ${JSON.stringify(value)}`);
    }
    case 'streamId': {
      if (typeof value === 'string' && STREAM_ID_PATTERN.test(value)) return null;
      // '_' is the one character a stream id can never hold: it ends the user name in '<user>_<streamId>'.
      const why =
        typeof value === 'string' && value.includes('_')
          ? `, got '${value.slice(0, 80)}': '_' separates the user name from the stream id in '<user>_<streamId>', so a stream id cannot contain it`
          : '';
      return Errors.invalidParams(`Request element '${name}' must be 1-64 letters, digits or '-'${why}`);
    }
  }
}

/**
 * Checks a request's params against its method's schema. A missing or null required element
 * gives the original's message ("Request element 'X' is missing") under the standard -32602 code.
 * `limits` are the server's string bounds (names, chat messages).
 */
export function validateParams<M extends keyof RequestParamsMap>(
  method: M,
  params: Record<string, unknown> | undefined,
  limits: ParamLimits = DEFAULT_PARAM_LIMITS,
): { ok: true; params: RequestParamsMap[M] } | { ok: false; error: RoomError } {
  const given = params ?? {};
  const schema = paramSchemas[method];
  for (const [name, spec] of Object.entries(schema)) {
    const value = given[name];
    if (value === undefined || value === null) {
      if (spec.required) return { ok: false, error: Errors.invalidParams(`Request element '${name}' is missing`) };
      continue;
    }
    const error = checkField(name, spec, value, limits);
    if (error) return { ok: false, error };
  }
  return { ok: true, params: given as unknown as RequestParamsMap[M] };
}

export { Method };
