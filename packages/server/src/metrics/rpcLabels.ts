/**
 * Label values of the JSON-RPC metrics. A label takes what clients send only from a fixed list:
 * each distinct value is a time series that Prometheus keeps, so a client inventing method names
 * must not be able to create series without end.
 */
import { Method } from '@kurento-room/protocol';

/** The protocol's methods plus `connect` (session resumption, answered by the transport layer). */
const KNOWN_METHODS: ReadonlySet<string> = new Set<string>([...Object.values(Method), 'connect']);

/** A request's method as a label: itself when the protocol knows it, else `unknown`; `invalid` for a frame that was not a request. */
export function methodLabel(method: string | undefined): string {
  if (method === undefined) return 'invalid';
  return KNOWN_METHODS.has(method) ? method : 'unknown';
}

/**
 * `ok` for a result, else the JSON-RPC error code. Codes are chosen by the server (room errors,
 * JSON-RPC errors, and those of a custom request handler), never by the client, so they are a
 * bounded set.
 */
export function codeLabel(code: number | undefined): string {
  return code === undefined ? 'ok' : String(code);
}
