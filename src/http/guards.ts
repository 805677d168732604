// What stands in front of Bud's operations: faults on demand (latency, 503s)
// and the bearer-token check. Both run at onRequest, before the body is read,
// as a gateway in front of Bud would.
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify'
import type { Sandbox } from '../domain/sandbox.js'
import { BudError, ERRORS } from '../errors.js'
import { UNAVAILABLE_BODY } from './envelope.js'

export type Sleep = (ms: number) => Promise<void>

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

export function faultGuard (sandbox: Sandbox, sleep: Sleep): onRequestAsyncHookHandler {
  return async function applyFaults (request: FastifyRequest, reply: FastifyReply) {
    const decision = sandbox.faults.decide()
    if (decision === undefined) return
    if (decision.delayMs > 0) await sleep(decision.delayMs)
    if (decision.unavailable) {
      request.log.info('fault: service unavailable')
      return reply.code(503).type('application/json').send(UNAVAILABLE_BODY)
    }
  }
}

const BEARER = /^Bearer\s+(\S+)$/i

export function bearerGuard (sandbox: Sandbox): onRequestAsyncHookHandler {
  return async function requireBearer (request: FastifyRequest) {
    const match = BEARER.exec(request.headers.authorization ?? '')
    if (match === null) throw new BudError(ERRORS.unauthorised)
    const clientId = request.headers['x-client-id']
    sandbox.tokens.verify(match[1]!, typeof clientId === 'string' && clientId !== '' ? clientId : undefined, sandbox.clock.nowMs())
  }
}
