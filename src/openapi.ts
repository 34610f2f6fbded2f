// GET /api/openapi.json: the OpenAPI 3.1 document of the HTTP API (issue 17 part 6), built by
// @fastify/swagger from the route schemas (src/admin/route-schemas.ts for the admin, self-service and
// session APIs; /health, /metrics and this route give their own). ActiveSync, Autodiscover and the web
// console's pages carry no tag and are left out (hideUntagged): they are not a JSON API.
// Served without authentication, like most servers do: it describes the API and holds no data.
import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { API_TAGS, errorResponses, SECURITY_SCHEMES } from './admin/route-schemas.js';
import { VERSION } from './version.js';

export const OPENAPI_PATH = '/api/openapi.json';

/** Registers the generator (before any route, so it sees them all) and the route serving its document. */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'carbonio-mobile',
        version: VERSION,
        description: 'Admin API (/api/admin), self-service API (/api/self), web console sign-in (/api/session), health and metrics. '
          + 'Every error is {"error": {"code", "message"}}; the README lists the codes.',
      },
      tags: API_TAGS.map((t) => ({ ...t })),
      components: { securitySchemes: structuredClone(SECURITY_SCHEMES) },
    },
    hideUntagged: true,
    // The table's validation schemas and error responses live in the route's config (validated lazily:
    // src/admin/route-schemas.ts); the document shows them as if they were the route's schema.
    transform: ({ schema, url, route }) => ({ schema: { ...schema, ...route.config?.routeSchemas }, url }),
  });
  app.get(OPENAPI_PATH, {
    logLevel: 'warn',
    schema: { tags: ['server'], summary: 'This document (OpenAPI 3.1)', security: [], response: errorResponses([500]) },
  }, async (_req, reply) => {
    void reply.header('cache-control', 'no-cache');
    return app.swagger();
  });
}
