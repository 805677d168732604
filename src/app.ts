// Builds the sandbox's Fastify app: logger and Ajv options, the contract's
// schemas, the sandbox state, routes, Swagger UI and the error handlers.
// Tests build exactly this app; only server.ts listens and reads the environment.
import { setMaxListeners } from 'node:events'
import { fileURLToPath } from 'node:url'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { pino, type DestinationStream } from 'pino'
import type { SchemaCompilers } from './compiled-schemas.js'
import { loadContract, OPENAPI_FORMATS, OPENAPI_KEYWORDS, type Contract } from './contract.js'
import type { SandboxClock } from './domain/clock.js'
import { IdSource } from './domain/ids.js'
import type { World } from './domain/world.js'
import { clientErrorHandler, errorHandler, frameworkErrors, registerNotFound } from './http/error-handling.js'
import { drainConnections } from './http/drain.js'
import { jsonBodies, labelUnlabelledBody } from './http/json-bodies.js'
import { bearerGuard, faultGuard, realSleep, type Sleep } from './http/guards.js'
import { LazyLogger } from './http/request-logger.js'
import { SWAGGER_UI_CONFIG } from './http/swagger-ui-config.js'
import type { CheckMode } from './domain/findings/check-modes.js'
import { IntegrationChecks } from './http/integration-checks.js'
import { compactAtStart, journalToDisk, replayJournal, requestInstants } from './http/journaling.js'
import { replicate } from './http/replication.js'
import { restoreSnapshot, SNAPSHOT_EVERY } from './state/snapshot.js'
import { applying, type State } from './state/state.js'
import healthRoutes from './routes/health.js'
import oauthRoutes from './routes/oauth.js'
import { lazySigner } from './webhooks/signer.js'
import sandboxPlugin from './plugins/sandbox.js'
import adminRoutes from './routes/admin.js'
import refreshRoutes from './routes/refresh.js'
import refreshV2Routes from './routes/refresh-v2.js'
import customerRoutes from './routes/customers.js'
import financialRoutes from './routes/financial.js'
import providerRoutes from './routes/providers.js'
import connectRoutes from './routes/connect.js'
import consentRoutes from './routes/consents.js'
import logoRoutes from './routes/logos.js'
import pageRoutes from './routes/pages.js'

export interface AppConfig {
  fixtures: World
  logLevel: string
  /** Overrides the fixtures' per-step duration. */
  stepDurationMs?: number | undefined
  taskRetentionMs: number
  maxTasks: number
  bodyLimit: number
  /** 'on': Bud operations need a bearer token from /v1/oauth/token; 'off': no check. */
  auth: 'on' | 'off'
  requestHistorySize: number
  /** The most client worlds kept; past it the one used longest ago is forgotten. */
  maxClients?: number | undefined
  /** When set, every /__admin control needs `Authorization: Bearer <adminToken>`. */
  adminToken?: string | undefined
  /** The integration checks: report findings (the default), answer them with 409s, or watch nothing. */
  checks?: CheckMode | undefined
  /** With STATE_DIR or REDIS_URL: a snapshot is taken once the journal holds this many entries after the last. */
  snapshotEvery?: number | undefined
}

export interface AppDeps {
  clock: SandboxClock
  /** Where logs go; stdout when absent. */
  logStream?: DestinationStream
  contract?: Contract
  /** Random numbers for fault injection; Math.random when absent. */
  random?: () => number
  /** How added latency waits; a real timer when absent. */
  sleep?: Sleep
  /** How route schemas become functions; Fastify's compilers when absent (see compiled-schemas.ts). */
  schemaCompilers?: SchemaCompilers
  /** A kept state (STATE_DIR or REDIS_URL): commands are journaled, and the journal replayed before the app is returned. */
  state?: State
}

const REQUEST_ID = /^[\w.:-]{1,128}$/
const SLASHES = /\/{2,}/g

/**
 * A path with doubled slashes is the single-slash path, as at Bud's gateway
 * (and nginx's merge_slashes): a base URL ending in / joined with a path
 * starting with / is the usual cause. The query is left as it is.
 */
function mergeSlashes (req: { url?: string }): string {
  const url = req.url ?? '/'
  const query = url.indexOf('?')
  const path = query < 0 ? url : url.slice(0, query)
  if (!path.includes('//')) return url
  return path.replace(SLASHES, '/') + (query < 0 ? '' : url.slice(query))
}
/** The pages' templates, beside src/ and dist/ alike. */
export const VIEWS_DIR = fileURLToPath(new URL('../views', import.meta.url))
/** Once closing has begun, how long a connection may take to finish its request before it is closed. */
export const CLOSE_GRACE_MS = 1000

export async function buildApp (config: AppConfig, deps: AppDeps): Promise<FastifyInstance> {
  const contract = deps.contract ?? await loadContract()
  const logger = pino({ level: config.logLevel }, deps.logStream ?? pino.destination(1))
  const loggerInstance: FastifyBaseLogger = new LazyLogger(logger)

  const { state } = deps
  // With a state, each start draws request ids of its own: a replayed request keeps the id it was answered with.
  const requestIds = new IdSource(state === undefined ? 'requests' : `requests/${state.header.secret}/${state.position + state.entries.length}`)
  const app = Fastify({
    loggerInstance,
    // One line per request, written by the onSend hook below, instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimit,
    requestIdHeader: false,
    // A client's own X-Request-Id is kept when it is a plain token; anything else gets a fresh one.
    genReqId: (req) => {
      const given = req.headers['x-request-id']
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : requestIds.next()
    },
    frameworkErrors,
    rewriteUrl: mergeSlashes,
    ...(deps.schemaCompilers === undefined ? {} : { schemaController: { compilersFactory: deps.schemaCompilers as never } }),
    clientErrorHandler,
    // While closing, requests already on an open connection are still answered in full.
    return503OnClosing: false,
    ajv: {
      customOptions: {
        coerceTypes: false,
        removeAdditional: false,
        allErrors: true,
        keywords: OPENAPI_KEYWORDS,
        formats: OPENAPI_FORMATS,
        // openapi.yaml is linted by the test suite; skipping the meta-schema check saves ~30 ms of every start.
        validateSchema: false
      }
    }
  })

  // Fastify closes the connections that are idle when closing starts; one busy
  // then is closed right after its last answer (Connection: close), and
  // drainConnections ends the rest within the grace period, so no client can
  // hold the exit.
  const closing = new AbortController()
  // One listener per delayed request: any number may wait at once.
  setMaxListeners(0, closing.signal)
  app.addHook('preClose', async () => {
    closing.abort()
    drainConnections(app.server, CLOSE_GRACE_MS)
  })
  // The Bud operations take JSON, labelled as such, as text/plain or not at all; anything else is a 415.
  jsonBodies(app)
  app.setErrorHandler(errorHandler)
  registerNotFound(app)
  for (const schema of contract.schemas) app.addSchema(schema)
  if (state !== undefined) await requestInstants(app, state)

  await app.register(sandboxPlugin, {
    fixtures: config.fixtures,
    clock: deps.clock,
    signer: lazySigner(state?.signingKey),
    ...(state === undefined ? {} : { drawToken: state.drawToken }),
    stepDurationMs: config.stepDurationMs,
    retentionMs: config.taskRetentionMs,
    maxTasks: config.maxTasks,
    requestHistorySize: config.requestHistorySize,
    maxWorlds: config.maxClients,
    random: state?.random ?? deps.random ?? Math.random,
    log: logger
  })
  const { worlds, webhooks, history } = app
  if (state?.kind === 'dir') journalToDisk(app, state, config.bodyLimit, config.snapshotEvery ?? SNAPSHOT_EVERY)
  const replication = state?.kind === 'redis' ? replicate(app, state, config.bodyLimit, config.adminToken, config.snapshotEvery ?? SNAPSHOT_EVERY) : undefined
  if (replication !== undefined) app.addHook('onClose', async () => replication.close())
  const checks = new IntegrationChecks(worlds, config.checks ?? 'report')
  app.decorate('checks', checks)
  // A webhook the client's endpoint did not take, after its retries, is a finding of its own.
  if (checks.on) {
    webhooks.on('attempt', (delivery) => {
      if (delivery.status !== 'failed') return
      const body = delivery.body as { customer_id?: string, data?: { customer_id?: string } } | undefined
      const customerId = body?.data?.customer_id ?? body?.customer_id ?? null
      const last = delivery.attempts[delivery.attempts.length - 1]
      const world = worlds.peek(delivery.clientId)
      world?.watch.record(delivery.clientId, ['webhook_not_acknowledged'], { requestId: delivery.deliveryId, method: 'POST', path: delivery.url, customerId, atMs: last?.atMs ?? world.clock.nowMs() })
    })
  }

  // Per-request hooks are callback-style: no promise per hook per request.
  // Every request is answered with its id, has an unlabelled body read as JSON,
  // and lets due webhooks go out (cheap when none is due).
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id)
    labelUnlabelledBody(request.raw.headers)
    // At debug, a request's arrival is a line too (the answer's line comes at info).
    if (logger.isLevelEnabled('debug')) request.log.debug({ method: request.method, path: request.url }, 'request received')
    webhooks.tick()
    done()
  })
  // As it is answered, every request is logged in one line and every client
  // request is remembered for /__admin/requests, its duration measured to
  // then. One onSend hook and no onResponse hook: Fastify then runs no hooks
  // after the answer.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (closing.signal.aborted) reply.header('connection', 'close')
    // An applied entry was logged and remembered when it was first answered.
    if (state !== undefined && applying()) return done(null, payload)
    const path = request.url
    const ms = Math.round(reply.elapsedTime * 100) / 100
    if (logger.isLevelEnabled('info')) logRequest(request, reply, path, ms)
    if (!path.startsWith('/__admin') && !path.startsWith('/docs') && path !== '/health' && path !== '/ready') {
      remember(request, reply, path, ms)
    }
    done(null, payload)
  })
  function logRequest (request: FastifyRequest, reply: FastifyReply, path: string, ms: number): void {
    const clientId = request.headers['x-client-id']
    const status = reply.statusCode
    request.log.info({ method: request.method, path, status, ms, clientId: typeof clientId === 'string' ? clientId : undefined }, `${request.method} ${path} ${status} ${ms} ms`)
  }
  function remember (request: FastifyRequest, reply: FastifyReply, path: string, ms: number): void {
    const headers = request.headers
    const clientId = headers['x-client-id']
    const customerId = headers['x-customer-id']
    const identifier = headers['x-customer-idempotent-identifier']
    // Each entry on its client's clock (the shared one for a request that names no client).
    const world = typeof clientId === 'string' ? worlds.peek(clientId) : undefined
    const customer = typeof customerId === 'string' && customerId !== ''
      ? customerId
      : typeof identifier === 'string' ? world?.customers.lookup({ idempotentIdentifier: identifier })?.customerId : undefined
    history.record({
      timeMs: (world?.clock ?? worlds.clock).nowMs(),
      method: request.method,
      path,
      status: reply.statusCode,
      user_agent: headers['user-agent'] ?? null,
      request_id: request.id,
      duration_ms: ms,
      client_id: typeof clientId === 'string' ? clientId : null,
      customer_id: customer ?? null
    })
  }

  await app.register(swagger, { mode: 'static', specification: { document: contract.document as never } })
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: SWAGGER_UI_CONFIG })

  const sleep = deps.sleep ?? realSleep
  // An applied entry's added latency was waited for when it was first answered.
  const faults = faultGuard(worlds, state === undefined ? sleep : (ms, cut) => applying() ? Promise.resolve() : sleep(ms, cut), closing.signal)
  const bud = config.auth === 'on' ? [faults, bearerGuard(worlds, app.tokens)] : [faults]
  await app.register(oauthRoutes, { contract, guards: [faults] })
  await app.register(refreshRoutes, { contract, guards: bud })
  await app.register(refreshV2Routes, { contract, guards: bud })
  await app.register(customerRoutes, { contract, guards: bud })
  await app.register(financialRoutes, { contract, guards: bud })
  await app.register(providerRoutes, { contract, guards: bud })
  await app.register(connectRoutes, { contract, guards: bud })
  await app.register(consentRoutes, { contract, guards: bud })
  await app.register(pageRoutes, { views: VIEWS_DIR })
  await app.register(logoRoutes)
  await app.register(adminRoutes, { contract, adminToken: config.adminToken })
  await app.register(healthRoutes)
  if (state !== undefined) {
    await app.ready()
    const started = performance.now()
    const snapshot = state.snapshot?.header.entries
    if (state.snapshot !== undefined) {
      restoreSnapshot({ worlds, tokens: app.tokens, webhooks, draws: state.draws }, state.snapshot.bytes)
      state.snapshot = undefined
    }
    // Each replayed request logs at warn only (journaling.ts): it was logged when first answered.
    const replayed = await replayJournal(app, state, config.adminToken)
    const from = snapshot === undefined ? '' : `a snapshot of ${snapshot} entries and `
    logger.info({ state: state.where, snapshot, replayed, ms: Math.round(performance.now() - started), repaired: state.repaired }, `state from ${state.where}: ${from}${replayed} journal entries replayed${state.repaired ? ' (a torn last line was cut)' : ''}`)
    if (state.kind === 'dir') await compactAtStart(app, state, config.snapshotEvery ?? SNAPSHOT_EVERY)
    await replication?.start()
  }
  return app
}
