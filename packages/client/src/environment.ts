/** The part of the WebSocket API the client uses (the browser's, or `ws` in Node). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'close' | 'error' | 'message', listener: (event: any) => void): void;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;
export type RTCPeerConnectionConstructor = new (configuration?: RTCConfiguration) => RTCPeerConnection;
export type GetUserMedia = (constraints: MediaStreamConstraints) => Promise<MediaStream>;
export type GetDisplayMedia = (options: DisplayMediaStreamOptions) => Promise<MediaStream>;
export type AudioContextConstructor = new () => AudioContext;

/**
 * Implementations the library uses, injectable for Node (e.g. `ws` and `@roamhq/wrtc`) or tests.
 * Anything not given is taken from the global scope when it is used.
 */
export interface KurentoRoomOptions {
  WebSocket?: WebSocketConstructor;
  RTCPeerConnection?: RTCPeerConnectionConstructor;
  /** Defaults to `navigator.mediaDevices.getUserMedia`. */
  getUserMedia?: GetUserMedia;
  /** For streams with `screen: true`; defaults to `navigator.mediaDevices.getDisplayMedia`. */
  getDisplayMedia?: GetDisplayMedia;
  /** For speaker detection; without one (e.g. in Node) speaker events are not produced. */
  AudioContext?: AudioContextConstructor;
  /** For the DOM helpers `playOnlyVideo` / `playThumbnail`. */
  document?: Document;
  /** Passed to every RTCPeerConnection (ICE servers, ...). */
  rtcConfiguration?: RTCConfiguration;
  /** Timeout of every request, and of opening the WebSocket, in ms (default 15000). */
  requestTimeout?: number;
  /** Keep-alive ping period in ms, announced to the server in the first ping (default 3000; 0 disables). */
  pingInterval?: number;
  /**
   * How long to try resuming the session after the socket drops while in a room, in ms
   * (default 10000, the server's default grace period; 0 reports `lost-connection` at once).
   */
  reconnectTimeout?: number;
}

/** The options with every default resolved. */
export type Environment = Omit<KurentoRoomOptions, 'requestTimeout' | 'pingInterval' | 'reconnectTimeout'> &
  Required<Pick<KurentoRoomOptions, 'requestTimeout' | 'pingInterval' | 'reconnectTimeout'>>;

export function resolveEnvironment(options: KurentoRoomOptions = {}): Environment {
  const g = globalThis as any;
  const media = g.navigator?.mediaDevices;
  return {
    WebSocket: options.WebSocket ?? g.WebSocket,
    RTCPeerConnection: options.RTCPeerConnection ?? g.RTCPeerConnection,
    getUserMedia: options.getUserMedia ?? (media?.getUserMedia ? (c: MediaStreamConstraints) => media.getUserMedia(c) : undefined),
    getDisplayMedia: options.getDisplayMedia ?? (media?.getDisplayMedia ? (o: DisplayMediaStreamOptions) => media.getDisplayMedia(o) : undefined),
    AudioContext: options.AudioContext ?? g.AudioContext,
    document: options.document ?? g.document,
    rtcConfiguration: options.rtcConfiguration,
    requestTimeout: options.requestTimeout ?? 15000,
    pingInterval: options.pingInterval ?? 3000,
    reconnectTimeout: options.reconnectTimeout ?? 10000,
  };
}
