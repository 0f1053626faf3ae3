/**
 * A real HTTP server in front of the local registry that behaves like the registries out
 * there: token auth with a Bearer challenge, blobs redirected to another origin (like S3),
 * or a server that ignores Range. It counts what it serves, an independent witness of
 * how much was downloaded.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxyOptions {
  requireToken?: boolean;
  redirectBlobs?: boolean;
  ignoreRange?: boolean;
}

export interface ProxyStats {
  bytesServed: number;
  tokenRequests: number;
  challenges: number;
  redirects: number;
  rangeRequests: number;
}

const UPSTREAM = { host: '127.0.0.1', port: 5000 };
const TOKEN = 'ib-baseline-token';

export async function startRegistryProxy(options: ProxyOptions): Promise<{ host: string; stats: ProxyStats; close: () => Promise<void> }> {
  const stats: ProxyStats = { bytesServed: 0, tokenRequests: 0, challenges: 0, redirects: 0, rangeRequests: 0 };
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const origin = `http://${req.headers.host}`;
    if (url.startsWith('/token')) {
      stats.tokenRequests++;
      const body = JSON.stringify({ token: TOKEN });
      stats.bytesServed += body.length;
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      return;
    }
    if (options.requireToken && req.headers.authorization !== `Bearer ${TOKEN}`) {
      stats.challenges++;
      res.writeHead(401, { 'www-authenticate': `Bearer realm="${origin}/token",service="ib-baseline-proxy"` }).end();
      return;
    }
    if (options.redirectBlobs && url.includes('/blobs/')) {
      stats.redirects++;
      res.writeHead(307, { location: `http://localhost:${UPSTREAM.port}${url}` }).end();
      return;
    }
    const headers: http.OutgoingHttpHeaders = { accept: req.headers.accept ?? '*/*' };
    if (req.headers.range !== undefined) {
      stats.rangeRequests++;
      if (!options.ignoreRange) headers.range = req.headers.range;
    }
    const upstream = http.request({ ...UPSTREAM, path: url, method: req.method, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.on('data', (chunk: Buffer) => {
        stats.bytesServed += chunk.length;
      });
      up.pipe(res);
    });
    // The client hangs up early on purpose (it read what it needed): stop upstream too.
    res.on('close', () => upstream.destroy());
    upstream.on('error', () => res.destroy());
    upstream.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
