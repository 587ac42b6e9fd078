/**
 * Redis's own CPU time, from its `INFO cpu` (used_cpu_user + used_cpu_sys: the whole process), so
 * that a cluster benchmark can count what the shared store and bus cost next to the nodes' CPU.
 * One RESP request over a plain socket: the load generator needs no Redis client for it.
 */
import { connect } from 'node:net';

/** Sends `INFO <section>` and resolves with the reply's `field:value` lines. */
export function redisInfo(port: number, section: string, timeoutMs = 10_000): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`Redis on port ${port} did not answer INFO ${section} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once('connect', () => socket.write(`*2\r\n$4\r\nINFO\r\n$${Buffer.byteLength(section)}\r\n${section}\r\n`));
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString('utf8');
      // A bulk string: `$<length>\r\n<body>\r\n`. INFO's body is ASCII, so characters are bytes.
      const header = /^\$(\d+)\r\n/.exec(data);
      if (data.startsWith('-')) {
        clearTimeout(timer);
        socket.destroy();
        reject(new Error(`Redis refused INFO ${section}: ${data.trim()}`));
        return;
      }
      if (!header || data.length < header[0].length + Number(header[1])) return;
      clearTimeout(timer);
      socket.destroy();
      const fields = new Map<string, string>();
      for (const line of data.slice(header[0].length, header[0].length + Number(header[1])).split('\r\n')) {
        const colon = line.indexOf(':');
        if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1));
      }
      resolve(fields);
    });
  });
}

/** The Redis process's CPU time so far, in µs. */
export async function redisCpuMicros(port: number): Promise<number> {
  const info = await redisInfo(port, 'cpu');
  const user = Number(info.get('used_cpu_user'));
  const sys = Number(info.get('used_cpu_sys'));
  if (!Number.isFinite(user) || !Number.isFinite(sys)) throw new Error(`INFO cpu of the Redis on port ${port} has no used_cpu_user / used_cpu_sys`);
  return (user + sys) * 1e6;
}
