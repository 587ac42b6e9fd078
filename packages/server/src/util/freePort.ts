/**
 * A port nothing listens on right now, found by binding port 0 on loopback and releasing it.
 * Another process could take it before the caller binds it; callers that start a child on it
 * (gst-launch, test servers) fail loudly if that happens, which is rare enough on one machine.
 */
import { createSocket } from 'node:dgram';
import { createServer, type AddressInfo } from 'node:net';

export function freeUdpPort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, host, () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

export function freeTcpPort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
