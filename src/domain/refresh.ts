// The refresh flow: Initiate Refresh and Retrieve Refresh Status as rules over
// the customer directory, the task store and the clock. Knows nothing of HTTP.
import type { Clock } from './clock.js'
import type { CustomerDirectory, CustomerRef } from './customers.js'
import type { Fixtures } from '../fixtures.js'
import { CONSENT_SCENARIOS, NO_CONNECTION_SCENARIO } from '../fixtures.js'
import { BudError, ERRORS } from '../errors.js'
import { progressAt, type Progress, type Scenario } from './scenarios.js'
import type { Task, TaskStore } from './task-store.js'
import { resolveWindow, type RefreshWindow } from './window.js'

export const DEDUPE_WINDOW_MS = 60 * 60 * 1000
export const MAINTENANCE_MESSAGE = 'The provider is currently disabled due to planned maintenance or known issues.'

export interface InitiateRequest {
  clientId: string
  customer: CustomerRef
  provider: string
  from?: string | undefined
  to?: string | undefined
  /** A scenario chosen for this refresh only, already checked against the catalogue. */
  scenario?: Scenario | undefined
  /** X-Customer-Ip-Address: present when the customer started the refresh from their device. */
  customerIpAddress?: string | undefined
}

export interface Initiated {
  task: Task
  /** True when an earlier fetch within the hour was returned instead of a new task. */
  deduplicated: boolean
}

export interface RefreshSettings {
  stepDurationMs: number
}

export class RefreshService {
  readonly #clock: Clock
  readonly #fixtures: Fixtures
  readonly #customers: CustomerDirectory
  readonly #tasks: TaskStore
  readonly #settings: RefreshSettings

  readonly #onCreated: ((task: Task) => void) | undefined

  constructor (deps: {
    clock: Clock
    fixtures: Fixtures
    customers: CustomerDirectory
    tasks: TaskStore
    settings: RefreshSettings
    /** Told of every new refresh task, e.g. to schedule its completion webhook. */
    onCreated?: (task: Task) => void
  }) {
    this.#onCreated = deps.onCreated
    this.#clock = deps.clock
    this.#fixtures = deps.fixtures
    this.#customers = deps.customers
    this.#tasks = deps.tasks
    this.#settings = deps.settings
  }

  initiate (request: InitiateRequest): Initiated {
    const nowMs = this.#clock.nowMs()
    const customer = this.#customers.resolve(request.customer, nowMs)
    const connection = this.#customers.connection(customer, request.provider)

    const provider = this.#fixtures.providers.get(request.provider)
    // The fixtures' own string where there is one: a task keeps it, and each request's is a new copy.
    const providerName = provider?.name ?? request.provider
    let scenario = request.scenario ?? this.#scenarioFor(connection)
    if (scenario.customerPresentScenario !== undefined && request.customerIpAddress !== undefined) {
      scenario = this.#fixtures.catalogue.get(scenario.customerPresentScenario)!
    }
    if (provider?.maintenance === true || scenario.result === 'provider_maintenance') {
      throw new BudError(ERRORS.providerMaintenance, { provider: MAINTENANCE_MESSAGE })
    }

    const previous = this.#customers.newestTask(customer, request.clientId, request.provider)
    let lastPullAtMs = connection?.lastPullAtMs ?? nowMs
    if (previous !== undefined) {
      if (nowMs - previous.startedAtMs < DEDUPE_WINDOW_MS) {
        resolveWindow(request, nowMs, lastPullAtMs)
        return { task: previous, deduplicated: true }
      }
      const outcome = this.progress(previous, nowMs)
      if (outcome.result === 'success') lastPullAtMs = Math.max(lastPullAtMs, outcome.endsAtMs)
    }
    const window = resolveWindow(request, nowMs, lastPullAtMs)

    if (previous === undefined && connection !== undefined && nowMs - connection.lastPullAtMs < DEDUPE_WINDOW_MS) {
      // The connection itself was fetched within the hour: Bud answers with that fetch's task.
      const success = this.#fixtures.catalogue.get('success')!
      const connect = this.#tasks.add((taskId) => this.#newTask(taskId, request.clientId, providerName, customer.customerId, connection.consentId, 'connect', success, window, connection.lastPullAtMs), nowMs)
      this.#customers.rememberTask(customer, connect)
      return { task: connect, deduplicated: true }
    }

    const consentId = connection?.consentId
    const task = this.#tasks.add((taskId) => this.#newTask(taskId, request.clientId, providerName, customer.customerId, consentId, 'refresh', scenario, window, nowMs), nowMs)
    this.#customers.rememberTask(customer, task)
    this.#onCreated?.(task)
    return { task, deduplicated: false }
  }

  /** The task as the asking client and customer may see it; anyone else is told it does not exist. */
  find (clientId: string, customer: CustomerRef, taskId: string): Task {
    const task = this.#tasks.get(taskId.toLowerCase())
    if (task === undefined || task.clientId !== clientId || !this.#isCustomer(task.customerId, customer)) {
      throw new BudError(ERRORS.taskNotFound)
    }
    return task
  }

  progress (task: Task, nowMs: number = this.#clock.nowMs()): Progress {
    return progressAt(task.scenario, task.startedAtMs, task.stepMs, nowMs)
  }

  #isCustomer (customerId: string, ref: CustomerRef): boolean {
    if ('customerId' in ref) return ref.customerId.toLowerCase() === customerId
    return this.#customers.get(customerId)?.idempotentIdentifier === ref.idempotentIdentifier
  }

  #scenarioFor (connection: { scenario: string, consentStatus: string } | undefined): Scenario {
    const catalogue = this.#fixtures.catalogue
    if (connection === undefined) return catalogue.get(NO_CONNECTION_SCENARIO)!
    if (connection.consentStatus !== 'authorised') {
      return catalogue.get(CONSENT_SCENARIOS[connection.consentStatus as keyof typeof CONSENT_SCENARIOS])!
    }
    return catalogue.get(connection.scenario)!
  }

  #newTask (taskId: string, clientId: string, provider: string, customerId: string, consentId: string | undefined, kind: Task['kind'], scenario: Scenario, window: RefreshWindow, startedAtMs: number): Task {
    return {
      taskId,
      kind,
      clientId,
      customerId,
      provider,
      consentId,
      startedAtMs,
      stepMs: scenario.stepDurationMs ?? this.#settings.stepDurationMs,
      windowFromMs: window.fromMs,
      windowToMs: window.toMs,
      scenario
    }
  }
}
