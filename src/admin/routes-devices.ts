// Admin API: devices of an account. Filled in by the device work.
import type { FastifyInstance } from 'fastify';
import type { AdminDeps } from './context.js';

export function registerDeviceRoutes(_app: FastifyInstance, _deps: AdminDeps): void {}
