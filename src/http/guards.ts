// What stands in front of Bud's operations: faults on demand (latency, 503s)
// and the bearer-token check. Both run at onRequest, before the body is read,
// as a gateway in front of Bud would.
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction, onRequestHookHandler } from 'fastify'
import type { TokenIssuer } from '../domain/auth.js'
import type { Worlds } from '../domain/worlds.js'
import { BudError, ERRORS } from '../domain/errors.js'
import { UNAVAILABLE_BODY } from './envelope.js'
import { basicCredentials } from './request-context.js'

/** Waits `ms`, or less when `cut` aborts first (the server is closing). */
export type Sleep = (ms: number, cut: AbortSignal) => Promise<void>

export const realSleep: Sleep = (ms, cut) => new Promise((resolve) => {
  const wake = () => {
    clearTimeout(timer)
    cut.removeEventListener('abort', wake)
    resolve()
  }
  const timer = setTimeout(wake, ms)
  if (cut.aborted) wake()
  else cut.addEventListener('abort', wake)
})

// Callback-style hooks: the common path (no fault, a good token) allocates no promise.
// `closing` aborts when the server starts closing: injected latency then ends at
// once, so a stop never waits out a minute of it.
// Faults are the client's (X-Client-Id, or HTTP Basic's at the token
// endpoint); a request that names no client gets the faults set for all.
export function faultGuard (worlds: Worlds, sleep: Sleep, closing: AbortSignal): onRequestHookHandler {
  return function applyFaults (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) {
    const clientId = request.headers['x-client-id'] ?? basicCredentials(request.headers.authorization)?.clientId
    // A client with no world yet has the faults set for all, as its world will.
    const decision = ((typeof clientId === 'string' ? worlds.peek(clientId) : undefined) ?? worlds.template).faults.decide()
    if (decision === undefined) return done()
    const unavailable = () => {
      request.log.info('fault: service unavailable')
      reply.code(503).type('application/json').send(UNAVAILABLE_BODY)
    }
    if (decision.delayMs === 0) return decision.unavailable ? unavailable() : done()
    sleep(decision.delayMs, closing).then(() => decision.unavailable ? unavailable() : done(), done)
  }
}

const BEARER = /^Bearer\s+(\S+)$/i
/** A token is checked on the clock of the client it was issued to (the shared clock while that client has no world). */
export function bearerGuard (worlds: Worlds, tokens: TokenIssuer): onRequestHookHandler {
  const nowOf = (clientId: string) => worlds.clockOf(clientId).nowMs()
  return function requireBearer (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) {
    const match = BEARER.exec(request.headers.authorization ?? '')
    if (match === null) return done(new BudError(ERRORS.unauthorised))
    const clientId = request.headers['x-client-id']
    try {
      tokens.verify(match[1]!, typeof clientId === 'string' && clientId !== '' ? clientId : undefined, nowOf)
    } catch (err) {
      return done(err as BudError)
    }
    done()
  }
}
