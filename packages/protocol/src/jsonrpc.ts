import { JsonRpcErrorCode, RoomError, type RpcErrorObject } from './errors.js';

export type JsonRpcId = number | string;

export interface JsonRpcRequest {
  jsonrpc: '2.0';
  id: JsonRpcId;
  method: string;
  params?: Record<string, unknown>;
}
export interface JsonRpcNotification {
  jsonrpc: '2.0';
  method: string;
  params?: Record<string, unknown>;
}
export interface JsonRpcSuccess {
  jsonrpc: '2.0';
  id: JsonRpcId;
  result: unknown;
}
export interface JsonRpcFailure {
  jsonrpc: '2.0';
  id: JsonRpcId | null;
  error: RpcErrorObject;
}
export type JsonRpcResponse = JsonRpcSuccess | JsonRpcFailure;

export type ParsedMessage =
  | { kind: 'request'; message: JsonRpcRequest }
  | { kind: 'notification'; message: JsonRpcNotification }
  | { kind: 'response'; message: JsonRpcResponse }
  | { kind: 'invalid'; id: JsonRpcId | null; error: RoomError };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isValidId(id: unknown): id is JsonRpcId {
  return (typeof id === 'number' && Number.isFinite(id)) || typeof id === 'string';
}

/**
 * Classifies one WebSocket text frame. Never throws: anything that is not a single JSON-RPC 2.0
 * object comes back as `invalid` with the standard error to answer with.
 */
export function parseMessage(text: string): ParsedMessage {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return {
      kind: 'invalid',
      id: null,
      error: new RoomError(JsonRpcErrorCode.PARSE_ERROR, `Parse error: ${(e as Error).message}`),
    };
  }
  if (Array.isArray(data)) {
    return {
      kind: 'invalid',
      id: null,
      error: new RoomError(JsonRpcErrorCode.INVALID_REQUEST, 'Invalid request: batches are not supported, send one object per frame'),
    };
  }
  if (!isPlainObject(data)) {
    return {
      kind: 'invalid',
      id: null,
      error: new RoomError(JsonRpcErrorCode.INVALID_REQUEST, 'Invalid request: a frame must hold one JSON-RPC object'),
    };
  }
  const id = 'id' in data && isValidId(data.id) ? data.id : null;
  if (data.jsonrpc !== '2.0') {
    return {
      kind: 'invalid',
      id,
      error: new RoomError(JsonRpcErrorCode.INVALID_REQUEST, "Invalid request: 'jsonrpc' must be \"2.0\""),
    };
  }
  if ('method' in data) {
    if (typeof data.method !== 'string' || data.method === '') {
      return {
        kind: 'invalid',
        id,
        error: new RoomError(JsonRpcErrorCode.INVALID_REQUEST, "Invalid request: 'method' must be a non-empty string"),
      };
    }
    if ('params' in data && data.params !== undefined && data.params !== null && !isPlainObject(data.params)) {
      return {
        kind: 'invalid',
        id,
        error: new RoomError(JsonRpcErrorCode.INVALID_PARAMS, "Invalid params: 'params' must be an object"),
      };
    }
    const params = isPlainObject(data.params) ? data.params : undefined;
    if (!('id' in data) || data.id === undefined) {
      return { kind: 'notification', message: { jsonrpc: '2.0', method: data.method, params } };
    }
    if (!isValidId(data.id)) {
      return {
        kind: 'invalid',
        id: null,
        error: new RoomError(JsonRpcErrorCode.INVALID_REQUEST, "Invalid request: 'id' must be a number or a string"),
      };
    }
    return { kind: 'request', message: { jsonrpc: '2.0', id: data.id, method: data.method, params } };
  }
  if ('result' in data || 'error' in data) {
    if (!isValidId(data.id) && data.id !== null) {
      return {
        kind: 'invalid',
        id: null,
        error: new RoomError(JsonRpcErrorCode.INVALID_REQUEST, "Invalid response: 'id' must be a number or a string"),
      };
    }
    if ('error' in data) {
      const err = data.error;
      if (!isPlainObject(err) || typeof err.code !== 'number' || typeof err.message !== 'string') {
        return {
          kind: 'invalid',
          id,
          error: new RoomError(JsonRpcErrorCode.INVALID_REQUEST, "Invalid response: 'error' needs a numeric code and a message"),
        };
      }
      return {
        kind: 'response',
        message: { jsonrpc: '2.0', id: data.id as JsonRpcId | null, error: err as unknown as RpcErrorObject },
      };
    }
    return { kind: 'response', message: { jsonrpc: '2.0', id: data.id as JsonRpcId, result: data.result } };
  }
  return {
    kind: 'invalid',
    id,
    error: new RoomError(JsonRpcErrorCode.INVALID_REQUEST, "Invalid request: no 'method', 'result' or 'error'"),
  };
}

export function requestFrame(id: JsonRpcId, method: string, params?: Record<string, unknown>): string {
  return JSON.stringify(params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params });
}
export function notificationFrame(method: string, params?: Record<string, unknown>): string {
  return JSON.stringify(params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params });
}
export function resultFrame(id: JsonRpcId, result: unknown): string {
  return JSON.stringify({ jsonrpc: '2.0', id, result });
}
export function errorFrame(id: JsonRpcId | null, error: RpcErrorObject): string {
  return JSON.stringify({ jsonrpc: '2.0', id, error });
}
