// The web console's pages (issue 14): the user page at `/` and the admin page at `/admin`, single-page
// apps built by Vite into dist/web (see web/). Served on the same listeners as the API, with a strict
// Content-Security-Policy (scripts and styles from this origin only, no inline code, no framing) and the
// usual security headers from @fastify/helmet; both register inside this plugin only, so ActiveSync
// and the JSON APIs keep their own headers.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import helmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** dist/web, beside dist/src (this file is dist/src/web/pages.js once built). */
export const defaultAssetDir = (): string => path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web');

const NOT_BUILT = '<!doctype html><meta charset="utf-8"><title>Web console not built</title>'
  + '<h1>The web console is not built</h1><p>Run <code>npm run build</code> (or <code>npm ci</code>) and restart the server.</p>';

export function webPages(options: { assetDir?: string } = {}) {
  const dir = options.assetDir ?? defaultAssetDir();
  return async (app: FastifyInstance): Promise<void> => {
    await app.register(helmet, {
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'none'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          // QR codes are PNG data: URLs made by the server.
          imgSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          fontSrc: ["'self'"],
          manifestSrc: ["'self'"],
          baseUri: ["'none'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          objectSrc: ["'none'"],
        },
      },
      // The pages are same-origin only; nothing of theirs is meant to be embedded elsewhere.
      crossOriginResourcePolicy: { policy: 'same-origin' },
      referrerPolicy: { policy: 'no-referrer' },
    });
    const built = fs.existsSync(path.join(dir, 'index.html'));
    if (built) {
      // Vite names assets by content hash: they never change under the same name.
      await app.register(fastifyStatic, { root: path.join(dir, 'assets'), prefix: '/assets/', immutable: true, maxAge: '365d', index: false });
    }
    const page = (file: string) => async (_req: unknown, reply: FastifyReply) => {
      if (!built) return reply.code(503).type('text/html; charset=utf-8').send(NOT_BUILT);
      void reply.header('cache-control', 'no-cache');
      return reply.type('text/html; charset=utf-8').send(await fs.promises.readFile(path.join(dir, file)));
    };
    app.get('/', page('index.html'));
    app.get('/admin', page('admin/index.html'));
    app.get('/admin/', page('admin/index.html'));
  };
}
