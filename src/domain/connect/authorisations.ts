// Connecting a provider: an authorisation is the customer's trip to the bank.
// With the client's own licence (TSP) it is a task whose result is the bank's
// URL; the mock bank asks the customer, then sends them to the client's
// provider_redirect_url with a code (or error=access_denied) and the task id as
// `state`, and the client hands those back (Submit Authorisation Codes). Through
// Bud Connect the bank sends them back to Bud Connect, which hands the code in
// itself. Either way the outcome is a connect task on the refresh's engine.
// Knows nothing of HTTP or pages: it answers with paths and URLs.
import type { Clock } from '../clock.js'
import { consentIdOf, type CustomerDirectory, type CustomerRef } from '../customers.js'
import type { FinancialData } from '../data/financial-data.js'
import { BudError, ERRORS, validationError } from '../errors.js'
import { IdSource } from '../ids.js'
import { MAINTENANCE_MESSAGE, type RefreshService } from '../refresh.js'
import { TASK_STATUS, type TaskStatus } from '../scenarios.js'
import { ownTask, type TaskStore } from '../task-store.js'
import { inMaintenance, type World } from '../world.js'
import { CONSENT_EVENTS, type ConsentChange, type PendingConsent, type Task } from '../records.js'

/** Where the bank sends the customer once they have answered. */
export type ReturnTo = { kind: 'client', url: string } | { kind: 'gateway', redirectUrl: string }

export interface Authorisation {
  taskId: string
  clientId: string
  customerId: string
  provider: string
  startedAtMs: number
  /** When the bank's URL is ready (the task completes). */
  endsAtMs: number
  returnTo: ReturnTo
  /** The consent asked for: a new one, or the one re-authenticated. */
  consent: PendingConsent
  reauthorise: boolean
  decision: 'approved' | 'denied' | undefined
  /** The code the bank issued on approval. */
  code: string | undefined
  /** The connect task the authorisation led to, once there is one. */
  connectTask: Task | undefined
}

/** Pending consents kept per customer (for Retrieve Customer Consents with status=all). */
const MAX_PENDING_CONSENTS = 16

export const BANK_PAGE_PATH = '/sandbox-bank/authorise/'

/** The mock bank's page for an authorisation. */
export const bankPagePath = (task: Authorisation) => BANK_PAGE_PATH + task.taskId

/** An http(s) URL of at most Bud's 2083 characters, or a 400 naming the field. */
export function checkRedirectUrl (field: string, value: string): string {
  let url: URL | undefined
  try {
    url = new URL(value)
  } catch {}
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || value.length > 2083) {
    throw validationError({ [field]: 'This value should be an http or https URL' })
  }
  return value
}

/** The URL with these query parameters set, its own kept. */
export function withParams (url: string, params: Record<string, string>): string {
  const out = new URL(url)
  for (const [name, value] of Object.entries(params)) out.searchParams.set(name, value)
  return out.toString()
}

export interface SubmitOutcome {
  task: Task
  /** The code had been used before (V2 answers 409 instead). */
  used: boolean
}

export class Authorisations {
  readonly #clock: Clock
  readonly #fixtures: World
  readonly #customers: CustomerDirectory
  readonly #refresh: RefreshService
  readonly #data: FinancialData
  readonly #store: TaskStore<Authorisation>
  readonly #stepMs: number
  readonly #changed: (change: ConsentChange) => void
  // New consents' ids and the codes the bank issues.
  readonly #ids: IdSource

  constructor (deps: {
    /** Seeds the ids: each client's world draws its own. */
    ids: string
    clock: Clock
    fixtures: World
    customers: CustomerDirectory
    refresh: RefreshService
    data: FinancialData
    store: TaskStore<Authorisation>
    stepMs: number
    changed: (change: ConsentChange) => void
  }) {
    this.#ids = new IdSource(deps.ids)
    this.#clock = deps.clock
    this.#fixtures = deps.fixtures
    this.#customers = deps.customers
    this.#refresh = deps.refresh
    this.#data = deps.data
    this.#store = deps.store
    this.#stepMs = deps.stepMs
    this.#changed = deps.changed
  }

  /** Back to the ids a new sandbox draws (its tasks are cleared with their store). */
  reset (): void {
    this.#ids.restart()
  }

  /** Where its ids are (a snapshot's): its tasks are kept with their store. */
  get position (): readonly number[] {
    return this.#ids.position
  }

  resume (position: readonly number[]): void {
    this.#ids.resume(position)
  }

  /**
   * Initiate Provider Authorisation: a task that makes the bank's URL. With
   * `consentId`, the customer re-authenticates that consent (same id, 90
   * more days) instead of giving a new one.
   */
  initiate (request: { clientId: string, customer: CustomerRef, provider: string, returnTo: ReturnTo, consentId?: string | undefined }): Authorisation {
    const nowMs = this.#clock.nowMs()
    const customer = this.#customers.resolve(request.customer, nowMs)
    const provider = this.#fixtures.providers.get(request.provider)
    if (provider === undefined) throw validationError({ provider: `"${request.provider.slice(0, 64)}" is not a provider; Retrieve OB Providers lists them` })
    if (inMaintenance(provider, nowMs)) throw new BudError(ERRORS.providerMaintenance, { provider: MAINTENANCE_MESSAGE })
    let consentId = this.#ids.next()
    if (request.consentId !== undefined) {
      const connection = this.#customers.connections(customer).find((c) => consentIdOf(customer.customerId, c) === request.consentId)
      if (connection === undefined) throw new BudError(ERRORS.consentIdNotFound, { domain_error: ERRORS.consentIdNotFound.message })
      if (connection.provider !== provider.name) throw validationError({ consent_id: `The consent is for ${connection.provider}, not ${provider.name}` })
      consentId = request.consentId
    }
    const consent: PendingConsent = { consentId, provider: provider.name, createdAtMs: nowMs, status: 'awaiting_authorisation' }
    if (request.consentId === undefined) {
      const pending = customer.pendingConsents ??= []
      pending.push(consent)
      if (pending.length > MAX_PENDING_CONSENTS) pending.shift()
    }
    return this.#store.add((taskId) => ({
      taskId,
      clientId: request.clientId,
      customerId: customer.customerId,
      provider: provider.name,
      startedAtMs: nowMs,
      endsAtMs: nowMs + this.#stepMs,
      returnTo: request.returnTo,
      consent,
      reauthorise: request.consentId !== undefined,
      decision: undefined,
      code: undefined,
      connectTask: undefined
    }), nowMs)
  }

  /** The client's authorisation task for this customer; anyone else's is not found. */
  find (clientId: string, ref: CustomerRef, taskId: string): Authorisation {
    return ownTask(this.#store, taskId, clientId, this.#customers.lookup(ref)?.customerId)
  }

  /** Retrieve Authorisation URL: Pending for one step, then Completed with the bank's URL (a path on the sandbox). */
  status (task: Authorisation): { status: TaskStatus, result?: string, path?: string } {
    if (this.#clock.nowMs() < task.endsAtMs) return { status: TASK_STATUS.pending }
    return { status: TASK_STATUS.completed, result: 'success', path: bankPagePath(task) }
  }

  /** The authorisation the mock bank's page is for; its id in the URL is all the page has. */
  /** Whether this world made the authorisation the bank's page names. */
  holds (taskId: string): boolean {
    return this.#store.get(taskId.toLowerCase()) !== undefined
  }

  forBank (taskId: string): Authorisation {
    const task = this.#store.get(taskId.toLowerCase())
    if (task === undefined) throw new BudError(ERRORS.authorisationNotFound)
    return task
  }

  /**
   * The customer answers at the bank. Returns where the bank sends them: the
   * client's provider_redirect_url with `code` and `state` (or
   * `error=access_denied`), or, through Bud Connect, the client's redirect_url
   * with `status` and the connect task's `task_id`.
   */
  decide (task: Authorisation, approve: boolean): string {
    if (task.decision !== undefined) throw new BudError(ERRORS.authorisationAnswered)
    task.decision = approve ? 'approved' : 'denied'
    if (!approve) task.consent.status = 'rejected'
    if (task.returnTo.kind === 'client') {
      if (!approve) return withParams(task.returnTo.url, { error: 'access_denied', state: task.taskId })
      task.code = this.#ids.next().replaceAll('-', '')
      return withParams(task.returnTo.url, { code: task.code, state: task.taskId })
    }
    const connect = this.#connect(task, approve)
    return withParams(task.returnTo.redirectUrl, { status: approve ? 'success' : 'failure', task_id: connect.taskId })
  }

  /**
   * Submit Authorisation Codes: the parameters the bank's redirect carried.
   * The code the bank issued starts the connect task that makes the
   * connection; any other code, or `error`, starts one that fails
   * auth_denied. The issued code a second time: `used`.
   */
  submit (clientId: string, ref: CustomerRef, params: Record<string, unknown>): SubmitOutcome {
    const task = this.find(clientId, ref, String(params.state))
    const code = typeof params.code === 'string' ? params.code : undefined
    if (task.connectTask !== undefined && code !== undefined && code === task.code) return { task: task.connectTask, used: true }
    const approved = task.decision === 'approved' && code !== undefined && code === task.code && params.error === undefined
    return { task: this.#connect(task, approved), used: false }
  }

  #connect (task: Authorisation, approved: boolean): Task {
    const nowMs = this.#clock.nowMs()
    const customer = this.#customers.get(task.customerId)
    if (customer === undefined) throw new BudError(ERRORS.customerNotFound)
    if (!approved) {
      task.consent.status = 'rejected'
      return this.#refresh.connect({ clientId: task.clientId, customer, connection: this.#customers.connection(customer, task.provider), provider: task.provider, denied: true })
    }
    const existing = this.#customers.connection(customer, task.provider)
    const connection = this.#customers.connect(customer, task.provider, nowMs, task.reauthorise, () => existing === undefined ? [] : this.#data.accountIdsOfConnection(customer.customerId, existing))
    if (existing === undefined) this.#data.startEmpty(customer.customerId, connection)
    if (!task.reauthorise) {
      connection.consentId = task.consent.consentId
      customer.pendingConsents = customer.pendingConsents?.filter((p) => p !== task.consent)
    } else {
      this.#changed({ event: CONSENT_EVENTS.reauthorised, clientId: task.clientId, customerId: customer.customerId, provider: task.provider, consentId: consentIdOf(customer.customerId, connection), atMs: nowMs })
    }
    task.connectTask = this.#refresh.connect({ clientId: task.clientId, customer, connection, provider: task.provider, denied: false })
    return task.connectTask
  }
}
