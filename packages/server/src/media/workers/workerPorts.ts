/**
 * The shared ICE ports of the workers of a pool. Each worker thread has its own engine and so
 * its own socket (a socket cannot be shared between threads); worker i takes the configured
 * port + i, so a firewall opens one known port per worker. A port of 0 stays 0: each worker
 * binds a free one.
 */
import type { WeriftMediaEngineOptions } from '../werift/WeriftMediaEngine.js';

type PortOptions = Pick<WeriftMediaEngineOptions, 'iceUdpPort' | 'iceTcpPort'>;

/** Throws when `port + workers - 1` would pass 65535 for either port. */
export function validateWorkerPorts(options: PortOptions, workers: number): void {
  for (const key of ['iceUdpPort', 'iceTcpPort'] as const) {
    const port = options[key];
    if (port !== undefined && port > 0 && port + workers - 1 > 65535) {
      throw new RangeError(`${key} ${port} with ${workers} media workers needs ports up to ${port + workers - 1}, past 65535`);
    }
  }
}

/** The options of worker `index`: its own ports. */
export function workerPorts<T extends PortOptions>(options: T, index: number): T {
  const shift = (port: number | undefined) => (port === undefined || port === 0 ? port : port + index);
  const udp = shift(options.iceUdpPort);
  const tcp = shift(options.iceTcpPort);
  return { ...options, ...(udp !== undefined ? { iceUdpPort: udp } : {}), ...(tcp !== undefined ? { iceTcpPort: tcp } : {}) };
}
