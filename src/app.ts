// Builds the sandbox's Fastify app: logger and Ajv options, the contract's
// schemas, the sandbox state, routes, Swagger UI and the error handlers.
// Tests build exactly this app; only server.ts listens and reads the environment.
import { randomUUID } from 'node:crypto'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { pino, type DestinationStream } from 'pino'
import { loadContract, OPENAPI_KEYWORDS, type Contract } from './contract.js'
import type { SandboxClock } from './domain/clock.js'
import type { Fixtures } from './fixtures.js'
import { errorHandler, frameworkErrors, registerNotFound } from './http/error-handling.js'
import sandboxPlugin from './plugins/sandbox.js'
import adminRoutes from './routes/admin.js'
import refreshRoutes from './routes/refresh.js'

export interface AppConfig {
  fixtures: Fixtures
  logLevel: string
  /** Overrides the fixtures' per-step duration. */
  stepDurationMs?: number | undefined
  taskRetentionMs: number
  maxTasks: number
  bodyLimit: number
}

export interface AppDeps {
  clock: SandboxClock
  /** Where logs go; stdout when absent. */
  logStream?: DestinationStream
  contract?: Contract
}

const REQUEST_ID = /^[\w.:-]{1,128}$/

export async function buildApp (config: AppConfig, deps: AppDeps): Promise<FastifyInstance> {
  const contract = deps.contract ?? loadContract()
  const loggerInstance: FastifyBaseLogger = pino({ level: config.logLevel }, deps.logStream ?? pino.destination(1))

  const app = Fastify({
    loggerInstance,
    bodyLimit: config.bodyLimit,
    requestIdHeader: false,
    // A client's own X-Request-Id is kept when it is a plain token; anything else gets a fresh one.
    genReqId: (req) => {
      const given = req.headers['x-request-id']
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID()
    },
    frameworkErrors,
    ajv: {
      customOptions: {
        coerceTypes: false,
        removeAdditional: false,
        allErrors: true,
        keywords: OPENAPI_KEYWORDS
      }
    }
  })

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id)
  })
  // The Bud operations take JSON only; anything else is a 415, not a string body.
  app.removeContentTypeParser('text/plain')
  app.setErrorHandler(errorHandler)
  registerNotFound(app)
  for (const schema of contract.schemas) app.addSchema(schema)

  await app.register(sandboxPlugin, {
    fixtures: config.fixtures,
    clock: deps.clock,
    stepDurationMs: config.stepDurationMs,
    retentionMs: config.taskRetentionMs,
    maxTasks: config.maxTasks
  })

  await app.register(swagger, { mode: 'static', specification: { document: contract.document as never } })
  await app.register(swaggerUi, { routePrefix: '/docs' })

  await app.register(refreshRoutes, { contract })
  await app.register(adminRoutes, { contract })
  return app
}
