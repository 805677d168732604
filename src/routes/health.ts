// Liveness and readiness, for Docker's HEALTHCHECK, compose and Testcontainers.
import type { FastifyInstance } from 'fastify'

export default async function healthRoutes (fastify: FastifyInstance) {
  fastify.get('/health', { config: { operationId: 'health_get' } }, async () => ({ status: 'ok' }))

  // Ready once the fixtures are loaded (they are, or the app would not exist) and the server listens.
  fastify.get('/ready', { config: { operationId: 'ready_get' } }, async (_request, reply) => {
    if (fastify.server.listening) return { status: 'ready' }
    return reply.code(503).send({ status: 'starting' })
  })
}
