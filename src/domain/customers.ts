// The customers the sandbox knows and their connections: seeded from the
// fixtures, provisioned on first use when allowed, changed at run time by the
// admin endpoints.
import Denque from 'denque'
import type { ConnectionSeed, ConsentStatus, CustomerSeed, Fixtures } from '../fixtures.js'
import { BudError, ERRORS } from '../errors.js'
import { newId } from './ids.js'
import { newestFor, withNewest, withoutTask, type NewestTasks } from './newest-tasks.js'
import type { Task } from './task-store.js'

export interface Connection {
  provider: string
  scenario: string
  consentStatus: ConsentStatus
  consentId: string
  lastPullAtMs: number
}

export interface Customer {
  customerId: string
  idempotentIdentifier?: string
  label?: string
  provisioned: boolean
  /** The connections made so far; read them through the directory, which makes defaults on first use. */
  connections: readonly Connection[]
  /**
   * A provisioned customer's default connections are made when first asked
   * for, as of this time (when it was provisioned); undefined once all are made.
   * Most customers a load makes use one connection once: the rest cost nothing.
   */
  defaultsAtMs: number | undefined
  /** The newest task per client and provider, for the one-hour dedupe (see newest-tasks.ts). */
  newest: NewestTasks
}

export interface ConnectionChange {
  scenario?: string | undefined
  consentStatus?: ConsentStatus | undefined
  lastPullAtMs?: number | undefined
}

/** How a request names its customer: by Bud id, or by the client's own identifier. */
export type CustomerRef = { customerId: string } | { idempotentIdentifier: string }

// Connection lists are replaced, never changed in place (readonly), so new
// customers can share this one. Not frozen: a frozen array is another kind of
// array to V8, and every read of a connection list would then see two.
const NO_CONNECTIONS: readonly Connection[] = []

/** Customers created on first use are kept up to this many; the oldest go first. */
export const MAX_PROVISIONED_CUSTOMERS = 100_000

export class CustomerDirectory {
  readonly #fixtures: Fixtures
  readonly #defaults: Map<string, ConnectionSeed>
  readonly #maxProvisioned: number
  #byId = new Map<string, Customer>()
  #byIdentifier = new Map<string, Customer>()
  // Provisioned customers in creation order, so a flood of new ids stays bounded
  // (a queue: see TaskStore for why not a Set's own order).
  #provisioned = new Denque<Customer>()

  constructor (fixtures: Fixtures, nowMs: number, maxProvisioned = MAX_PROVISIONED_CUSTOMERS) {
    this.#fixtures = fixtures
    this.#defaults = new Map(fixtures.defaultConnections.map((seed) => [seed.provider, seed]))
    this.#maxProvisioned = maxProvisioned
    this.reset(nowMs)
  }

  /** Back to the fixtures' customers, with relative times taken from `nowMs`. */
  reset (nowMs: number): void {
    this.#byId = new Map()
    this.#byIdentifier = new Map()
    this.#provisioned = new Denque()
    for (const seed of this.#fixtures.customers) this.#add(fromSeed(seed, nowMs))
  }

  /** The customer a request names, if known; never provisions. */
  lookup (ref: CustomerRef): Customer | undefined {
    return 'customerId' in ref ? this.#byId.get(ref.customerId.toLowerCase()) : this.#byIdentifier.get(ref.idempotentIdentifier)
  }

  /** Finds the customer a request names, provisioning it when the fixtures allow. */
  resolve (ref: CustomerRef, nowMs: number): Customer {
    if ('customerId' in ref) {
      const customerId = ref.customerId.toLowerCase()
      return this.#byId.get(customerId) ?? this.#provision(customerId, undefined, nowMs)
    }
    return this.#byIdentifier.get(ref.idempotentIdentifier) ?? this.#provision(newId(), ref.idempotentIdentifier, nowMs)
  }

  /** The customer's connection to a provider, if it has one. */
  connection (customer: Customer, provider: string): Connection | undefined {
    const made = customer.connections.find((c) => c.provider === provider)
    if (made !== undefined || customer.defaultsAtMs === undefined) return made
    const seed = this.#defaults.get(provider)
    if (seed === undefined) return undefined
    const connection = connectionFromSeed(seed, customer.defaultsAtMs)
    customer.connections = withConnection(customer.connections, connection)
    return connection
  }

  /** All the customer's connections: the default ones first, in the fixtures' order. */
  connections (customer: Customer): readonly Connection[] {
    const defaultsAtMs = customer.defaultsAtMs
    if (defaultsAtMs !== undefined) {
      const made = customer.connections
      customer.connections = [
        ...this.#fixtures.defaultConnections.map((seed) => made.find((c) => c.provider === seed.provider) ?? connectionFromSeed(seed, defaultsAtMs)),
        ...made.filter((c) => !this.#defaults.has(c.provider))
      ]
      customer.defaultsAtMs = undefined
    }
    return customer.connections
  }

  /** Creates or changes one connection at run time (e.g. revoke a consent mid-test). */
  setConnection (customer: Customer, provider: string, change: ConnectionChange, nowMs: number): Connection {
    let connection = this.connection(customer, provider)
    if (connection === undefined) {
      connection = { provider, scenario: 'success', consentStatus: 'authorised', consentId: newId(), lastPullAtMs: nowMs - 24 * 60 * 60 * 1000 }
      customer.connections = withConnection(customer.connections, connection)
    }
    if (change.scenario !== undefined) connection.scenario = change.scenario
    if (change.consentStatus !== undefined) connection.consentStatus = change.consentStatus
    if (change.lastPullAtMs !== undefined) connection.lastPullAtMs = change.lastPullAtMs
    return connection
  }

  /** The customer's newest task for a client and provider, if one is kept. */
  newestTask (customer: Customer, clientId: string, provider: string): Task | undefined {
    return newestFor(customer.newest, clientId, provider)
  }

  /** Makes `task` the customer's newest for its client and provider. */
  rememberTask (customer: Customer, task: Task): void {
    customer.newest = withNewest(customer.newest, task)
  }

  /** Called when the task store evicts a task, so the dedupe no longer finds it. */
  forgetTask (task: Task): void {
    const customer = this.#byId.get(task.customerId)
    if (customer !== undefined) customer.newest = withoutTask(customer.newest, task)
  }

  get (customerId: string): Customer | undefined {
    return this.#byId.get(customerId.toLowerCase())
  }

  all (): Customer[] {
    return [...this.#byId.values()]
  }

  #provision (customerId: string, idempotentIdentifier: string | undefined, nowMs: number): Customer {
    if (!this.#fixtures.provisionUnknownCustomers) throw new BudError(ERRORS.customerNotFound)
    const customer: Customer = { customerId, provisioned: true, connections: NO_CONNECTIONS, defaultsAtMs: nowMs, newest: undefined }
    if (idempotentIdentifier !== undefined) customer.idempotentIdentifier = idempotentIdentifier
    this.#add(customer)
    this.#provisioned.push(customer)
    if (this.#provisioned.length > this.#maxProvisioned) {
      const oldest = this.#provisioned.shift()!
      this.#byId.delete(oldest.customerId)
      if (oldest.idempotentIdentifier !== undefined) this.#byIdentifier.delete(oldest.idempotentIdentifier)
    }
    return customer
  }

  #add (customer: Customer): void {
    this.#byId.set(customer.customerId, customer)
    if (customer.idempotentIdentifier !== undefined) this.#byIdentifier.set(customer.idempotentIdentifier, customer)
  }
}

function fromSeed (seed: CustomerSeed, nowMs: number): Customer {
  const customer: Customer = {
    customerId: seed.customerId,
    provisioned: false,
    connections: seed.connections.map((c) => connectionFromSeed(c, nowMs)),
    defaultsAtMs: undefined,
    newest: undefined
  }
  if (seed.idempotentIdentifier !== undefined) customer.idempotentIdentifier = seed.idempotentIdentifier
  if (seed.label !== undefined) customer.label = seed.label
  return customer
}

// A first connection is an array literal: V8 then learns that these arrays
// outlive the request and makes them in the old generation from the start.
function withConnection (connections: readonly Connection[], connection: Connection): readonly Connection[] {
  return connections.length === 0 ? [connection] : [...connections, connection]
}

function connectionFromSeed (seed: ConnectionSeed, nowMs: number): Connection {
  return {
    provider: seed.provider,
    scenario: seed.scenario,
    consentStatus: seed.consentStatus,
    consentId: seed.consentId ?? newId(),
    lastPullAtMs: 'atMs' in seed.lastPull ? seed.lastPull.atMs : nowMs - seed.lastPull.agoMs
  }
}
