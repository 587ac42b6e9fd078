import type { WebSocketConstructor, WebSocketLike } from '../environment.js';
import { transportError } from './errors.js';

/** A WebSocket being opened: `opened` settles once; `abandon()` closes it if it is not wanted any more. */
export interface OpeningSocket {
  opened: Promise<WebSocketLike>;
  abandon(): void;
}

/** Opens a WebSocket to `url`; `opened` rejects with a transport error on failure or after `timeoutMs`. */
export function openSocket(WebSocket: WebSocketConstructor | undefined, url: string, timeoutMs: number): OpeningSocket {
  let ws: WebSocketLike | undefined;
  let abandoned = false;
  const close = () => {
    try {
      ws?.close();
    } catch {
      // never opened
    }
  };
  const opened = new Promise<WebSocketLike>((resolve, reject) => {
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      close();
      reject(error);
    };
    const timer = setTimeout(() => fail(transportError(`Could not connect to ${url} within ${timeoutMs} ms`)), timeoutMs);
    if (!WebSocket) {
      setTimeout(() => fail(transportError('WebSocket is not available: pass it in the KurentoRoom options')));
      return;
    }
    try {
      ws = new WebSocket(url);
    } catch (error) {
      const message = (error as Error).message;
      setTimeout(() => fail(transportError(`Cannot connect to ${url}: ${message}`)));
      return;
    }
    const socket = ws;
    socket.addEventListener('open', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (abandoned) {
        close();
        reject(transportError(`Connection to ${url} abandoned`));
      } else resolve(socket);
    });
    socket.addEventListener('error', (event) => {
      const detail = event?.message ?? event?.error?.message;
      fail(transportError(`Cannot connect to ${url}${detail ? `: ${detail}` : ''}`));
    });
    socket.addEventListener('close', (event) => fail(transportError(`Connection to ${url} closed before opening (code ${event?.code})`)));
  });
  return {
    opened,
    abandon: () => {
      abandoned = true;
      close();
    },
  };
}
