// What stands in front of Bud's operations: faults on demand (latency, 503s)
// and the bearer-token check. Both run at onRequest, before the body is read,
// as a gateway in front of Bud would.
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction, onRequestHookHandler } from 'fastify'
import type { Sandbox } from '../domain/sandbox.js'
import { BudError, ERRORS } from '../domain/errors.js'
import { UNAVAILABLE_BODY } from './envelope.js'

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
export function faultGuard (sandbox: Sandbox, sleep: Sleep, closing: AbortSignal): onRequestHookHandler {
  return function applyFaults (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) {
    const decision = sandbox.faults.decide()
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

export function bearerGuard (sandbox: Sandbox): onRequestHookHandler {
  return function requireBearer (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) {
    const match = BEARER.exec(request.headers.authorization ?? '')
    if (match === null) return done(new BudError(ERRORS.unauthorised))
    const clientId = request.headers['x-client-id']
    try {
      sandbox.tokens.verify(match[1]!, typeof clientId === 'string' && clientId !== '' ? clientId : undefined, sandbox.clock.nowMs())
    } catch (err) {
      return done(err as BudError)
    }
    done()
  }
}
