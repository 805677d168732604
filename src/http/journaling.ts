// With STATE_DIR, every request that can change the sandbox is a command
// kept in the journal: the request as received, its id, and the instant it
// was handled at (the whole request reads the clock at that one instant,
// held in its request context). A change is answered only once its line is
// on disk. At start, the journal is replayed through the same app, in
// order, each request at its instant: the one engine rebuilds the same
// state, the same ids and tokens included (docs/state.md).
import { Readable } from 'node:stream'
import { fastifyRequestContext, requestContext } from '@fastify/request-context'
import type { FastifyInstance, FastifyRequest, HTTPMethods } from 'fastify'
import type { AttemptEntry, RequestEntry } from '../state/journal.js'
import type { State } from '../state/state.js'
import type { Delivery } from '../webhooks/dispatcher.js'

/** Routes that only read what is served to everyone: never journaled. */
const READ_ONLY_ROUTES = new Set(['/health', '/ready', '/bud-callback.jwks', '/sandbox-pages/style.css', '/sandbox/callback'])
/** Headers a replay does not need (the body's length is its own; the id is kept apart). */
const UNKEPT_HEADERS = new Set(['host', 'connection', 'keep-alive', 'content-length', 'transfer-encoding', 'accept-encoding', 'x-request-id'])
/** A command's body as it came, to replay it byte for byte. */
const rawBodies = new WeakMap<FastifyRequest, string>()

/** Whether a request can change the sandbox: Bud's operations (a poll feeds the checks), the pages, every control but a read. */
export function isCommand (request: FastifyRequest): boolean {
  const route = request.routeOptions.url
  if (route === undefined || route.startsWith('/docs') || READ_ONLY_ROUTES.has(route)) return false
  if (route.startsWith('/__admin')) return request.method !== 'GET' && request.method !== 'HEAD'
  return request.method !== 'HEAD' && request.method !== 'OPTIONS'
}

/** Registers the request context (each request's instant) and the journal's hooks. First, before any route. */
export async function journaling (app: FastifyInstance, state: State, bodyLimit: number): Promise<void> {
  await app.register(fastifyRequestContext, { defaultStoreValues: () => ({ at: Date.now() }) })
  // A command's body is read here, kept as it came, and handed on to be parsed as usual.
  // Past the body limit it is handed on as it is: the parser then answers 413, and nothing is kept.
  app.addHook('preParsing', async (request, _reply, payload) => {
    if (state.replaying || !isCommand(request)) return payload
    const chunks: Buffer[] = []
    let length = 0
    for await (const chunk of payload) {
      chunks.push(chunk as Buffer)
      length += (chunk as Buffer).length
      if (length > bodyLimit) break
    }
    const raw = Buffer.concat(chunks)
    if (length <= bodyLimit && length > 0) rawBodies.set(request, raw.toString('utf8'))
    return Object.assign(Readable.from([raw]), { receivedEncodedLength: length })
  })
  app.addHook('onSend', async (request, reply, payload) => {
    if (state.replaying || !isCommand(request)) return payload
    const admin = request.url.startsWith('/__admin')
    // A control the lock refused changed nothing; and the lock's secret is never written down.
    if (admin && reply.statusCode === 401) return payload
    const written = state.writer.append(JSON.stringify(requestEntry(request, admin)), request.method !== 'GET')
    if (written === undefined) return payload
    try {
      await written
      return payload
    } catch (err) {
      request.log.error({ err, stateDir: state.dir }, 'the journal could not be written')
      reply.code(503).header('retry-after', '5').type('application/json; charset=utf-8')
      return JSON.stringify({ message: 'Service unavailable: the sandbox could not write its state (STATE_DIR), so this change would not survive a restart. Try again.' })
    }
  })
  app.addHook('onClose', async () => { await state.writer.close() })
}

/** Journals each webhook attempt, so a restart neither sends a delivered webhook again nor forgets a failed one. */
export function journalAttempts (app: FastifyInstance, state: State): void {
  app.webhooks.on('attempt', (delivery) => {
    if (!state.replaying) state.writer.append(JSON.stringify(attemptEntry(delivery)), false)
  })
}

function requestEntry (request: FastifyRequest, admin: boolean): RequestEntry {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(request.headers)) {
    if (typeof value !== 'string' || UNKEPT_HEADERS.has(name) || (admin && name === 'authorization')) continue
    headers[name] = value
  }
  const body = rawBodies.get(request)
  return {
    t: 'req',
    at: requestContext.get('at') ?? Date.now(),
    id: request.id,
    m: request.method,
    u: request.url,
    h: headers,
    ...(body === undefined ? {} : { b: body })
  }
}

function attemptEntry (delivery: Delivery): AttemptEntry {
  return {
    t: 'attempt',
    delivery: delivery.deliveryId,
    status: delivery.status,
    attempts: delivery.attempts,
    ...(delivery.nextAttemptAtMs === undefined ? {} : { next: delivery.nextAttemptAtMs }),
    ...(delivery.body === undefined ? {} : { body: delivery.body }),
    ...(delivery.signature === undefined ? {} : { signature: delivery.signature })
  }
}

/**
 * Replays the journal through the app: each request at its instant, each
 * webhook attempt as it went. Nothing is journaled, logged or sent while it
 * runs; what falls due goes out once it has.
 */
export async function replayJournal (app: FastifyInstance, state: State, adminToken: string | undefined): Promise<number> {
  const entries = state.entries
  state.entries = []
  state.replaying = true
  app.webhooks.mute(true)
  try {
    for (const entry of entries) {
      if (entry.t === 'attempt') {
        app.webhooks.restore(entry.delivery, entry)
        continue
      }
      state.pin(entry.at)
      const lock = adminToken !== undefined && entry.u.startsWith('/__admin') ? { authorization: `Bearer ${adminToken}` } : {}
      await app.inject({
        method: entry.m as HTTPMethods,
        url: entry.u,
        headers: { ...entry.h, 'x-request-id': entry.id, ...lock },
        ...(entry.b === undefined ? {} : { payload: entry.b })
      })
    }
  } finally {
    state.pin(undefined)
    state.replaying = false
    app.webhooks.mute(false)
  }
  return entries.length
}
