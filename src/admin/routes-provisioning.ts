// Admin API: EAS provisioning policies and remote wipe. Filled in by the provisioning work.
import type { FastifyInstance } from 'fastify';
import type { AdminDeps } from './context.js';

export function registerProvisioningRoutes(_app: FastifyInstance, _deps: AdminDeps): void {}
