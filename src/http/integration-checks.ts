// The integration checks at the HTTP edge: the routes ask the watch what a
// request would break before it acts and note what it did after; a finding
// is recorded with the request's id, named in `X-Sandbox-Finding` on its
// response, logged once per rule and client per hour at warn, and — in
// strict mode — answered with a 409 in Bud's envelope instead of the work.
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { CustomerRef } from '../domain/customers.js'
import type { CheckMode } from '../domain/findings/check-modes.js'
import { BudError, ERRORS } from '../domain/errors.js'
import { RULES, type Example, type IntegrationWatch, type Rule } from '../domain/findings/watch.js'
import type { Worlds } from '../domain/worlds.js'
import type { Customer, Polled, Task } from '../domain/records.js'

export const FINDING_HEADER = 'x-sandbox-finding'

declare module 'fastify' {
  interface FastifyInstance {
    checks: IntegrationChecks
  }
}

// Each client's findings are in its own world, on its own clock.
export class IntegrationChecks {
  readonly #worlds: Worlds
  /** False with CHECKS=off: nothing is watched. */
  readonly on: boolean
  readonly #strict: boolean
  // The request at fault, filled in for each finding and copied by the watch only when it keeps it.
  readonly #at: Example = { requestId: '', method: '', path: '', customerId: null, atMs: 0 }

  constructor (worlds: Worlds, mode: CheckMode) {
    this.#worlds = worlds
    this.on = mode !== 'off'
    this.#strict = mode === 'strict'
  }

  /**
   * Records what the request broke, if anything: the finding, the header and
   * the log line. In strict mode it then throws the 409 that answers instead.
   */
  report (request: FastifyRequest, reply: FastifyReply, clientId: string, customerId: string | undefined, rules: readonly Rule[]): void {
    if (rules.length === 0) return
    const at = this.#at
    at.requestId = request.id
    at.method = request.method
    at.path = request.url
    at.customerId = customerId ?? null
    const world = this.#worlds.of(clientId)
    at.atMs = world.clock.nowMs()
    const toLog = world.watch.record(clientId, rules, at)
    reply.header(FINDING_HEADER, rules.length === 1 ? rules[0]! : rules.join(','))
    for (const rule of toLog) request.log.warn({ clientId, rule, requestId: request.id, advice: RULES[rule].advice }, `integration check: ${rule}`)
    if (this.#strict) {
      const rule = rules[0]!
      throw new BudError(ERRORS.integrationCheck, { [rule]: RULES[rule].advice }, `Integration check failed: ${rules.join(', ')} (see ${RULES[rule].source})`)
    }
  }

  // What the routes ask before they act, and tell after. Each does nothing with CHECKS=off.

  /** A task's status is about to be read by its client, told to wait `delayMs` between reads. */
  statusRead (request: FastifyRequest, reply: FastifyReply, clientId: string, task: Polled & { customerId: string }, delayMs: number): void {
    if (this.on) this.report(request, reply, clientId, task.customerId, this.#watch(clientId).checkStatusRead(task, delayMs))
  }

  /** A task was answered to its client (made, deduplicated, or its status read). */
  answered (task: Polled & { clientId: string }, ended = false): void {
    if (this.on) this.#watch(task.clientId).noteAnswered(task, ended)
  }

  #watch (clientId: string): IntegrationWatch {
    return this.#worlds.of(clientId).watch
  }

  /** A refresh is about to be started (`providers` undefined: every consent Bud holds as authorised). */
  refreshAsked (request: FastifyRequest, reply: FastifyReply, clientId: string, ref: CustomerRef, providers: readonly string[] | undefined, customerIp: string | undefined): void {
    if (!this.on) return
    const world = this.#worlds.of(clientId)
    const rules = world.watch.checkRefresh(clientId, ref, providers, customerIp)
    if (rules.length > 0) this.report(request, reply, clientId, 'customerId' in ref ? ref.customerId.toLowerCase() : world.customers.lookup(ref)?.customerId, rules)
  }

  /** A refresh task was answered (new or by the dedupe). */
  refreshed (clientId: string, task: Task, customerIp: string | undefined): void {
    if (!this.on) return
    const watch = this.#watch(clientId)
    watch.noteAnswered(task, false)
    if (customerIp !== undefined) watch.noteAddress(clientId, task.customerId, customerIp)
  }

  /** The customer's data is about to be read. */
  dataRead (request: FastifyRequest, reply: FastifyReply, clientId: string, customer: Customer): void {
    if (this.on) this.report(request, reply, clientId, customer.customerId, this.#watch(clientId).checkDataRead(clientId, customer))
  }

  /** A new access token is about to be issued. */
  tokenAsked (request: FastifyRequest, reply: FastifyReply, clientId: string): void {
    if (this.on) this.report(request, reply, clientId, undefined, this.#watch(clientId).checkToken(clientId))
  }

  tokenIssued (clientId: string): void {
    if (this.on) this.#watch(clientId).noteToken(clientId)
  }
}
