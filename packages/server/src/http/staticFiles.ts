import { createReadStream, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/** A URL prefix served from a folder on disk. */
export interface StaticMount {
  prefix: string;
  dir: string;
  /**
   * The Content-Security-Policy of the pages served here, from the request's Host header (e.g.
   * `demoContentSecurityPolicy`). Without it, none: the pages and their policy are the mounter's.
   */
  contentSecurityPolicy?: (host: string | undefined) => string;
}

/** Serves GET/HEAD for files below the mounts; never outside their folders. */
export function serveStatic(mounts: StaticMount[], req: IncomingMessage, res: ServerResponse, url: URL): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return false;
  }
  for (const mount of mounts) {
    if (!pathname.startsWith(mount.prefix)) continue;
    let relative = pathname.slice(mount.prefix.length);
    if (relative === '' || relative.endsWith('/')) relative += 'index.html';
    const root = resolve(mount.dir);
    const file = resolve(join(root, relative));
    // Never serve outside the mounted folder (`..` segments, encoded or not).
    if (!file.startsWith(root + sep)) continue;
    let size: number;
    try {
      const st = statSync(file);
      if (!st.isFile()) continue;
      size = st.size;
    } catch {
      continue;
    }
    if (mount.contentSecurityPolicy) res.setHeader('content-security-policy', mount.contentSecurityPolicy(req.headers.host));
    else res.removeHeader('content-security-policy');
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': size,
      'cache-control': 'no-cache',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
    return true;
  }
  return false;
}
