// The refresh flow, V1 and V2 on one engine: Initiate Refresh (one provider),
// Initiate Refresh V2 (a parent task over one refresh task per provider) and
// their status, as rules over the customer directory, the task stores and the
// clock. Knows nothing of HTTP.
import type { Clock } from './clock.js'
import { consentExpiresAtMs, consentIdOf, type CustomerDirectory, type CustomerRef } from './customers.js'
import type { FinancialData } from './data/financial-data.js'
import { BudError, ERRORS, validationError } from './errors.js'
import { progressAt, TASK_STATUS, type Progress, type Scenario, type TaskStatus } from './scenarios.js'
import type { TaskStore } from './task-store.js'
import { resolveWindow, type RefreshWindow, type WindowRequest } from './window.js'
import { CONSENT_SCENARIOS, inMaintenance, NO_CONNECTION_SCENARIO, type World } from './world.js'
import { type Connection, CONSENT_EVENTS, type ConsentChange, type Customer, type ParentTask, type RevokeReason, type Task } from './records.js'

export const DEDUPE_WINDOW_MS = 60 * 60 * 1000
/** A connection's first fetch reaches back as far as Bud may: 90 days. */
const CONNECT_WINDOW_MS = 90 * 24 * 60 * 60 * 1000
export const MAINTENANCE_MESSAGE = 'The provider is currently disabled due to planned maintenance or known issues.'

/** V2's sub-task for a provider in maintenance, when the world declares no `provider_maintenance` scenario. */
const MAINTENANCE_SCENARIO: Scenario = {
  name: 'provider_maintenance',
  result: 'provider_maintenance',
  status: TASK_STATUS.failed,
  endStep: 1,
  reconnectRequired: false,
  hasNewTransactions: false,
  description: 'The provider is in maintenance.'
}

export interface InitiateRequest extends WindowRequest {
  clientId: string
  customer: CustomerRef
  provider: string
  /** A scenario chosen for this refresh only, already checked against the catalogue. */
  scenario?: Scenario | undefined
  /** X-Customer-Ip-Address: present when the customer started the refresh from their device. */
  customerIpAddress?: string | undefined
}

/** X-Sandbox-Scenario on V2: one scenario for every sub-task, or one per provider. */
export type ScenarioChoice = { all: Scenario } | { byProvider: Map<string, Scenario> }

export interface InitiateV2Request extends WindowRequest {
  clientId: string
  customer: CustomerRef
  /** The providers to refresh; absent: every provider whose consent Bud holds as authorised. */
  providers?: readonly string[] | undefined
  scenario?: ScenarioChoice | undefined
  customerIpAddress?: string | undefined
}

export interface Initiated {
  task: Task
  /** True when an earlier fetch within the hour was returned instead of a new task. */
  deduplicated: boolean
}

export interface InitiatedV2 {
  parent: ParentTask
  /** True when a similar V2 refresh within the hour was returned instead of a new one. */
  deduplicated: boolean
}

export interface ParentProgress {
  status: TaskStatus
  /** Once ended: `success` when every sub-task succeeded, else the first failing sub-task's result. */
  result?: string
  /** Once ended: whether any sub-task stored new transactions. */
  hasNewTransactions?: boolean
  endsAtMs: number
  subTasks: Progress[]
}

export interface RefreshSettings {
  stepDurationMs: number
}

/** Told when a task is created that someone waits for: when it ends, and what it is. */
export interface TaskEndings {
  /** Asked first, so that most tasks' end is never worked out: few clients are listened to. */
  listensTo (clientId: string): boolean
  refreshEnds (task: Task, endsAtMs: number): void
  parentEnds (parent: ParentTask, endsAtMs: number): void
  /** A connect task (a customer connecting or re-authenticating a provider) ends at `endsAtMs`. */
  connectEnds (task: Task, endsAtMs: number): void
  /** Bud's record of a consent changes at `atMs` (revoked by a refresh or a client, reconfirmed, re-authorised). */
  consentChanged (change: ConsentChange): void
}

/** What a refresh that finds the consent gone tells Bud's record, by the scenario it plays. */
const REVOKE_REASON_OF: Record<string, RevokeReason> = {
  connection_expired: 'consent_invalid',
  connection_reauthenticate: 'access_token_error'
}

/** How a connect task ends when the bank refused, or the code was never issued (Bud's auth_denied). */
export const AUTH_DENIED_SCENARIO: Scenario = {
  name: 'auth_denied',
  result: 'auth_denied',
  status: TASK_STATUS.failed,
  endStep: 1,
  reconnectRequired: false,
  hasNewTransactions: false,
  description: 'The bank did not authorise the connection.'
}

/** What one provider's refresh will be, before anything is made. */
interface Plan {
  provider: string
  connection: Connection | undefined
  scenario: Scenario
  window: RefreshWindow
  /** False for the dedupe's answer with the connection's own last fetch: it brings nothing new. */
  fetches: boolean
}

export class RefreshService {
  readonly #clock: Clock
  readonly #fixtures: World
  readonly #customers: CustomerDirectory
  readonly #tasks: TaskStore
  readonly #parents: TaskStore<ParentTask>
  readonly #settings: RefreshSettings
  readonly #endings: TaskEndings | undefined
  readonly #data: FinancialData
  #lastProviders: readonly string[] = []
  // Consents a refresh being started will find gone (see #tellRevocations).
  readonly #revocations: ConsentChange[] = []
  #lastProvidersKey = ''

  constructor (deps: {
    clock: Clock
    fixtures: World
    customers: CustomerDirectory
    tasks: TaskStore
    parents: TaskStore<ParentTask>
    settings: RefreshSettings
    data: FinancialData
    endings?: TaskEndings | undefined
  }) {
    this.#clock = deps.clock
    this.#fixtures = deps.fixtures
    this.#customers = deps.customers
    this.#tasks = deps.tasks
    this.#parents = deps.parents
    this.#settings = deps.settings
    this.#endings = deps.endings
    this.#data = deps.data
  }

  /** Initiate Refresh (V1): one provider; 400 provider_maintenance for a provider in maintenance. */
  initiate (request: InitiateRequest): Initiated {
    const nowMs = this.#clock.nowMs()
    const customer = this.#customers.resolve(request.customer, nowMs)
    const connection = this.#customers.connection(customer, request.provider)
    const scenario = this.#scenarioFor(connection, request.scenario, request.customerIpAddress, nowMs)
    if (this.#inMaintenance(request.provider, scenario)) {
      throw new BudError(ERRORS.providerMaintenance, { provider: MAINTENANCE_MESSAGE })
    }

    const previous = this.#customers.newestTask(customer, request.clientId, request.provider)
    if (previous !== undefined && nowMs - previous.startedAtMs < DEDUPE_WINDOW_MS) {
      resolveWindow(request, nowMs, nowMs)
      return { task: previous, deduplicated: true }
    }
    const window = resolveWindow(request, nowMs, this.#lastPullAt(connection, previous, nowMs))

    if (previous === undefined && connection !== undefined && nowMs - connection.lastPullAtMs < DEDUPE_WINDOW_MS) {
      // The connection itself was fetched within the hour: Bud answers with that fetch's task.
      const success = this.#fixtures.catalogue.get('success')!
      const plan = { provider: request.provider, connection, scenario: success, window, fetches: false }
      return { task: this.#start(customer, request.clientId, plan, 'connect', connection.lastPullAtMs), deduplicated: true }
    }

    const task = this.#start(customer, request.clientId, { provider: request.provider, connection, scenario, window, fetches: true }, 'refresh', nowMs)
    if (this.#endings?.listensTo(task.clientId) === true) this.#endings.refreshEnds(task, this.progress(task).endsAtMs)
    this.#tellRevocations()
    return { task, deduplicated: false }
  }

  /**
   * Initiate Refresh V2: one new refresh task per provider under one parent,
   * or the parent of a similar refresh (the same providers, by the same
   * client) from the last hour. A provider in maintenance gets a sub-task that
   * fails with provider_maintenance rather than a 400, as Bud reports it.
   */
  initiateAll (request: InitiateV2Request): InitiatedV2 {
    const nowMs = this.#clock.nowMs()
    const customer = this.#customers.resolve(request.customer, nowMs)
    const authorised = request.providers === undefined ? this.#customers.authorisedConnections(customer, nowMs) : undefined
    const providers = authorised === undefined ? [...new Set(request.providers)] : authorised.map((c) => c.provider)
    if (providers.length === 0) {
      throw validationError({ providers: 'The customer has no connection whose consent is authorised; name the providers to refresh' })
    }
    const providersKey = this.#providersKey(providers)

    const previous = this.#customers.newestParent(customer, request.clientId, providersKey)
    if (previous !== undefined && nowMs - previous.startedAtMs < DEDUPE_WINDOW_MS) {
      resolveWindow(request, nowMs, nowMs)
      return { parent: previous, deduplicated: true }
    }

    const choice = request.scenario
    if (choice !== undefined && 'byProvider' in choice) {
      const unknown = [...choice.byProvider.keys()].find((p) => !providers.includes(p))
      if (unknown !== undefined) {
        throw validationError({ sandbox_scenario: `"${unknown.slice(0, 64)}" is not refreshed by this request; it refreshes ${providers.join(', ').slice(0, 512)}` })
      }
    }
    // Every sub-task is planned (and its window checked) before any is made: a 400 leaves nothing behind.
    const plans = providers.map((provider, i): Plan => {
      const connection = authorised === undefined ? this.#customers.connection(customer, provider) : authorised[i]
      const chosen = choice === undefined ? undefined : 'all' in choice ? choice.all : choice.byProvider.get(provider)
      let scenario = this.#scenarioFor(connection, chosen, request.customerIpAddress, nowMs)
      if (this.#inMaintenance(provider, scenario)) scenario = this.#fixtures.catalogue.get('provider_maintenance') ?? MAINTENANCE_SCENARIO
      const previous = this.#customers.newestTask(customer, request.clientId, provider)
      return { provider, connection, scenario, window: resolveWindow(request, nowMs, this.#lastPullAt(connection, previous, nowMs)), fetches: true }
    })
    const subTasks = plans.map((plan) => this.#start(customer, request.clientId, plan, 'refresh', nowMs))
    const parent = this.#parents.add((taskId) => ({ taskId, clientId: request.clientId, customerId: customer.customerId, providersKey, startedAtMs: nowMs, subTasks }), nowMs)
    this.#customers.rememberParent(customer, parent)
    if (this.#endings?.listensTo(parent.clientId) === true) this.#endings.parentEnds(parent, this.parentProgress(parent).endsAtMs)
    this.#tellRevocations()
    return { parent, deduplicated: false }
  }

  /** The task as the asking client and customer may see it; anyone else is told it does not exist. */
  find (clientId: string, customer: CustomerRef, taskId: string): Task {
    return this.#visible(this.#tasks.get(taskId.toLowerCase()), clientId, customer)
  }

  /** The V2 parent task as the asking client and customer may see it. */
  findParent (clientId: string, customer: CustomerRef, taskId: string): ParentTask {
    return this.#visible(this.#parents.get(taskId.toLowerCase()), clientId, customer)
  }

  /** The task's state at `nowMs`; once a refresh has succeeded, whether its pull stored transactions Bud did not hold. */
  progress (task: Task, nowMs: number = this.#clock.nowMs()): Progress {
    const progress = progressAt(task.scenario, task.startedAtMs, task.stepMs, nowMs)
    // A deduplicated answer with the connection's own last fetch keeps its scenario's word.
    if (progress.hasNewTransactions !== undefined && task.kind === 'refresh') progress.hasNewTransactions = this.#data.newTransactions(task, nowMs)
    return progress
  }

  /** Pending while any sub-task is; Completed when every one succeeded; Failed when any did not. */
  parentProgress (parent: ParentTask, nowMs: number = this.#clock.nowMs()): ParentProgress {
    const subTasks = parent.subTasks.map((task) => this.progress(task, nowMs))
    const endsAtMs = Math.max(...subTasks.map((p) => p.endsAtMs))
    if (subTasks.some((p) => p.status === TASK_STATUS.pending)) return { status: TASK_STATUS.pending, endsAtMs, subTasks }
    const failing = subTasks.find((p) => p.result !== 'success')
    return {
      status: failing === undefined ? TASK_STATUS.completed : TASK_STATUS.failed,
      result: failing?.result ?? 'success',
      hasNewTransactions: subTasks.some((p) => p.hasNewTransactions === true),
      endsAtMs,
      subTasks
    }
  }

  #visible<T extends { clientId: string, customerId: string }> (task: T | undefined, clientId: string, customer: CustomerRef): T {
    if (task === undefined || task.clientId !== clientId || !this.#isCustomer(task.customerId, customer)) {
      throw new BudError(ERRORS.taskNotFound)
    }
    return task
  }

  #isCustomer (customerId: string, ref: CustomerRef): boolean {
    if ('customerId' in ref) return ref.customerId.toLowerCase() === customerId
    return this.#customers.get(customerId)?.idempotentIdentifier === ref.idempotentIdentifier
  }

  /**
   * What makes two V2 refreshes similar: one provider is its own key; several,
   * their sorted list as JSON (which no provider name looks like). The last
   * list's key is kept: most V2 refreshes name the same providers (a
   * customer's default connections), so they share one string.
   */
  #providersKey (providers: readonly string[]): string {
    if (providers.length === 1) return providers[0]!
    const last = this.#lastProviders
    if (last.length === providers.length && last.every((p, i) => p === providers[i])) return this.#lastProvidersKey
    this.#lastProviders = providers.slice()
    this.#lastProvidersKey = JSON.stringify(providers.slice().sort())
    return this.#lastProvidersKey
  }

  #inMaintenance (provider: string, scenario: Scenario): boolean {
    const known = this.#fixtures.providers.get(provider)
    return (known !== undefined && inMaintenance(known, this.#clock.nowMs())) || scenario.result === 'provider_maintenance'
  }

  /**
   * How a refresh of this connection ends: the request's choice, else the
   * consent when the bank no longer holds it or it is past its expiration
   * date, else the connection's scenario.
   */
  #scenarioFor (connection: Connection | undefined, chosen: Scenario | undefined, customerIpAddress: string | undefined, nowMs: number): Scenario {
    const catalogue = this.#fixtures.catalogue
    let scenario: Scenario
    if (chosen !== undefined) scenario = chosen
    else if (connection === undefined) scenario = catalogue.get(NO_CONNECTION_SCENARIO)!
    else if (connection.consentStatus !== 'authorised') scenario = catalogue.get(CONSENT_SCENARIOS[connection.consentStatus])!
    else if (consentExpiresAtMs(connection) <= nowMs) scenario = catalogue.get(CONSENT_SCENARIOS.expired)!
    else scenario = catalogue.get(connection.scenario)!
    if (scenario.customerPresentScenario !== undefined && customerIpAddress !== undefined) {
      scenario = catalogue.get(scenario.customerPresentScenario)!
    }
    return scenario
  }

  /** The connection's last pull, or the end of this client's previous refresh of it when that succeeded later. */
  #lastPullAt (connection: Connection | undefined, previous: Task | undefined, nowMs: number): number {
    const lastPullAtMs = connection?.lastPullAtMs ?? nowMs
    if (previous === undefined) return lastPullAtMs
    const outcome = this.progress(previous, nowMs)
    return outcome.result === 'success' ? Math.max(lastPullAtMs, outcome.endsAtMs) : lastPullAtMs
  }

  /** Makes the task, remembers it for the dedupe, and lets a refresh that will find the consent gone say so to Bud's record. */
  #start (customer: Customer, clientId: string, plan: Plan, kind: Task['kind'], startedAtMs: number): Task {
    // The fixtures' own string where there is one: a task keeps it, and each request's is a new copy.
    const provider = this.#fixtures.providers.get(plan.provider)?.name ?? plan.provider
    const { connection, scenario, window } = plan
    const stepMs = scenario.stepDurationMs ?? this.#settings.stepDurationMs
    const task = this.#tasks.add((taskId) => ({
      taskId,
      kind,
      clientId,
      customerId: customer.customerId,
      provider,
      connection,
      startedAtMs,
      stepMs,
      windowFromMs: window.fromMs,
      windowToMs: window.toMs,
      scenario,
      newTransactions: undefined,
      polledAtMs: undefined,
      endSeen: false
    }), startedAtMs)
    // A connection the bank refused was not fetched: the dedupe does not answer with it.
    if (kind === 'refresh' || scenario.result === 'success') this.#customers.rememberTask(customer, task)
    if (plan.fetches && connection !== undefined && scenario.result === 'success') this.#data.track(connection, task)
    if (scenario.reconnectRequired && connection !== undefined) this.#reportRevoked(task, connection, scenario)
    return task
  }

  #reportRevoked (task: Task, connection: Connection, scenario: Scenario): void {
    const endsAtMs = this.progress(task).endsAtMs
    const wasAuthorised = connection.revokedAtMs === undefined
    this.#customers.reportRevoked(connection, endsAtMs, REVOKE_REASON_OF[scenario.result] ?? 'provider_revoked')
    if (wasAuthorised && this.#endings?.listensTo(task.clientId) === true) {
      this.#revocations.push({ event: CONSENT_EVENTS.revoked, clientId: task.clientId, customerId: task.customerId, provider: task.provider, consentId: consentIdOf(task.customerId, connection), atMs: endsAtMs, reason: connection.revokeReason })
    }
  }

  /** Consent Revoked webhooks go after the refresh's own, which are scheduled once its tasks are made. */
  #tellRevocations (): void {
    if (this.#revocations.length === 0) return
    for (const change of this.#revocations.splice(0)) this.#endings?.consentChanged(change)
  }

  /**
   * A customer has authorised (or the bank refused) a connection: a connect
   * task on the refresh's steps, whose pull fills Bud's copy when it
   * completes. The dedupe then finds it as the provider's latest fetch.
   */
  connect (request: { clientId: string, customer: Customer, connection: Connection | undefined, provider: string, denied: boolean }): Task {
    const nowMs = this.#clock.nowMs()
    const scenario = request.denied ? AUTH_DENIED_SCENARIO : this.#fixtures.catalogue.get('success')!
    const window = { fromMs: nowMs - CONNECT_WINDOW_MS, toMs: nowMs }
    const task = this.#start(request.customer, request.clientId, { provider: request.provider, connection: request.connection, scenario, window, fetches: true }, 'connect', nowMs)
    if (this.#endings?.listensTo(task.clientId) === true) this.#endings.connectEnds(task, this.progress(task).endsAtMs)
    this.#tellRevocations()
    return task
  }

  /** A connect task as the asking client and customer may see it (a refresh's id is not one). */
  findConnect (clientId: string, customer: CustomerRef, taskId: string): Task {
    const task = this.find(clientId, customer, taskId)
    if (task.kind !== 'connect') throw new BudError(ERRORS.taskNotFound)
    return task
  }
}
