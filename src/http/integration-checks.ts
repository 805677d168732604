// The integration checks at the HTTP edge: the routes ask the watch what a
// request would break before it acts and note what it did after; a finding
// is recorded with the request's id, named in `X-Sandbox-Finding` on its
// response, logged once per rule and client per hour at warn, and — in
// strict mode — answered with a 409 in Bud's envelope instead of the work.
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { CustomerRef } from '../domain/customers.js'
import { BudError, ERRORS } from '../domain/errors.js'
import { RULES, type Example, type IntegrationWatch, type Rule } from '../domain/findings/watch.js'
import type { Sandbox } from '../domain/sandbox.js'
import { endsAt } from '../domain/scenarios.js'
import type { Task } from '../domain/task-store.js'

export const CHECK_MODES = ['report', 'strict', 'off'] as const
export type CheckMode = (typeof CHECK_MODES)[number]

export const FINDING_HEADER = 'x-sandbox-finding'
const NO_PROVIDERS: readonly string[] = []

declare module 'fastify' {
  interface FastifyInstance {
    checks: IntegrationChecks
  }
}

export class IntegrationChecks {
  readonly #sandbox: Sandbox
  readonly watch: IntegrationWatch
  /** False with CHECKS=off: nothing is watched. */
  readonly on: boolean
  readonly #strict: boolean
  // The request at fault, filled in for each finding and copied by the watch only when it keeps it.
  readonly #at: Example = { requestId: '', method: '', path: '', customerId: null, atMs: 0 }

  constructor (sandbox: Sandbox, mode: CheckMode) {
    this.#sandbox = sandbox
    this.watch = sandbox.watch
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
    at.atMs = this.#sandbox.clock.nowMs()
    const toLog = this.watch.record(clientId, rules, at)
    reply.header(FINDING_HEADER, rules.length === 1 ? rules[0]! : rules.join(','))
    for (const rule of toLog) request.log.warn({ clientId, rule, requestId: request.id, advice: RULES[rule].advice }, `integration check: ${rule}`)
    if (this.#strict) {
      const rule = rules[0]!
      throw new BudError(ERRORS.integrationCheck, { [rule]: RULES[rule].advice }, `Integration check failed: ${rules.join(', ')} (see ${RULES[rule].source})`)
    }
  }

  // What the routes ask before they act, and tell after. Each does nothing with CHECKS=off.

  /** A task's status is about to be read (`key`: its id; every kind of task has ids of its own). */
  statusRead (request: FastifyRequest, reply: FastifyReply, clientId: string, customerId: string, key: string): void {
    if (this.on) this.report(request, reply, clientId, customerId, this.watch.checkStatusRead(clientId, key))
  }

  /** A task was answered (made, deduplicated, or its status read): the next read is due `delayMs` later. */
  answered (clientId: string, key: string, delayMs: number, ended = false): void {
    if (this.on) this.watch.noteTask(clientId, key, delayMs, ended)
  }

  /** A refresh is about to be started (`providers` undefined: every provider of the customer). */
  refreshAsked (request: FastifyRequest, reply: FastifyReply, clientId: string, ref: CustomerRef, providers: readonly string[] | undefined, customerIp: string | undefined): void {
    if (!this.on) return
    // A customer the sandbox does not know yet has no refresh to check, but its address counts.
    const customer = this.#sandbox.customers.lookup(ref)
    const customerId = customer?.customerId ?? ('customerId' in ref ? ref.customerId.toLowerCase() : undefined)
    if (customerId === undefined) return
    // V2 without providers refreshes the consents Bud holds as authorised: only those are asked for.
    const asked = providers ?? (customer === undefined ? NO_PROVIDERS : this.#sandbox.customers.authorisedConnections(customer, this.#sandbox.clock.nowMs()).map((c) => c.provider))
    this.report(request, reply, clientId, customerId, this.watch.checkRefresh(clientId, customerId, asked, customerIp))
  }

  /** A refresh task was answered (new or by the dedupe), polled with `delayMs`. */
  refreshed (clientId: string, task: Task, customerIp: string | undefined, delayMs: number): void {
    if (!this.on) return
    this.watch.noteRefresh(clientId, task.customerId, task.provider, endsAt(task.scenario, task.startedAtMs, task.stepMs), task.scenario.reconnectRequired, customerIp)
    this.watch.noteTask(clientId, task.taskId, delayMs, false)
  }

  /** The customer's data is about to be read. */
  dataRead (request: FastifyRequest, reply: FastifyReply, clientId: string, customerId: string): void {
    if (this.on) this.report(request, reply, clientId, customerId, this.watch.checkDataRead(clientId, customerId))
  }

  /** A connect task was made: when it connects, refreshing the provider is fine again. */
  connecting (clientId: string, task: Task, delayMs: number): void {
    if (!this.on) return
    this.watch.noteTask(clientId, task.taskId, delayMs, false)
    if (task.scenario.result === 'success') this.watch.noteReconnected(clientId, task.customerId, task.provider)
  }

  /** A new access token is about to be issued. */
  tokenAsked (request: FastifyRequest, reply: FastifyReply, clientId: string): void {
    if (this.on) this.report(request, reply, clientId, undefined, this.watch.checkToken(clientId))
  }

  tokenIssued (clientId: string): void {
    if (this.on) this.watch.noteToken(clientId)
  }
}
