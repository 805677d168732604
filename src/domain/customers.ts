// The customers the sandbox knows and their connections: seeded from the
// fixtures, provisioned on first use when allowed, changed at run time by the
// admin endpoints.
import Denque from 'denque'
import type { ConnectionSeed, ConsentStatus, CustomerSeed, Fixtures } from '../fixtures.js'
import { BudError, ERRORS } from '../errors.js'
import { newId } from './ids.js'

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
  connections: Map<string, Connection>
}

export interface ConnectionChange {
  scenario?: string | undefined
  consentStatus?: ConsentStatus | undefined
  lastPullAtMs?: number | undefined
}

/** How a request names its customer: by Bud id, or by the client's own identifier. */
export type CustomerRef = { customerId: string } | { idempotentIdentifier: string }

/** Customers created on first use are kept up to this many; the oldest go first. */
export const MAX_PROVISIONED_CUSTOMERS = 100_000

export class CustomerDirectory {
  readonly #fixtures: Fixtures
  readonly #maxProvisioned: number
  #byId = new Map<string, Customer>()
  #byIdentifier = new Map<string, Customer>()
  // Provisioned customers in creation order, so a flood of new ids stays bounded
  // (a queue: see TaskStore for why not a Set's own order).
  #provisioned = new Denque<Customer>()

  constructor (fixtures: Fixtures, nowMs: number, maxProvisioned = MAX_PROVISIONED_CUSTOMERS) {
    this.#fixtures = fixtures
    this.#maxProvisioned = maxProvisioned
    this.reset(nowMs)
  }

  /** Back to the fixtures' customers, with relative times taken from `nowMs`. */
  reset (nowMs: number): void {
    this.#byId = new Map()
    this.#byIdentifier = new Map()
    this.#provisioned = new Denque()
    for (const seed of this.#fixtures.customers) this.#add(this.#fromSeed(seed, nowMs, false))
  }

  /** The customer a request names, if known; never provisions. */
  lookup (ref: CustomerRef): Customer | undefined {
    return 'customerId' in ref ? this.#byId.get(ref.customerId.toLowerCase()) : this.#byIdentifier.get(ref.idempotentIdentifier)
  }

  /** Finds the customer a request names, provisioning it when the fixtures allow. */
  resolve (ref: CustomerRef, nowMs: number): Customer {
    const found = this.lookup(ref)
    if (found !== undefined) return found
    if (!this.#fixtures.provisionUnknownCustomers) throw new BudError(ERRORS.customerNotFound)
    const seed: CustomerSeed = 'customerId' in ref
      ? { customerId: ref.customerId.toLowerCase(), connections: this.#fixtures.defaultConnections }
      : { customerId: newId(), idempotentIdentifier: ref.idempotentIdentifier, connections: this.#fixtures.defaultConnections }
    const customer = this.#fromSeed(seed, nowMs, true)
    this.#add(customer)
    this.#provisioned.push(customer)
    if (this.#provisioned.length > this.#maxProvisioned) {
      const oldest = this.#provisioned.shift()!
      this.#byId.delete(oldest.customerId)
      if (oldest.idempotentIdentifier !== undefined) this.#byIdentifier.delete(oldest.idempotentIdentifier)
    }
    return customer
  }

  /** Creates or changes one connection at run time (e.g. revoke a consent mid-test). */
  setConnection (customer: Customer, provider: string, change: ConnectionChange, nowMs: number): Connection {
    const existing = customer.connections.get(provider)
    const connection: Connection = existing ?? {
      provider,
      scenario: 'success',
      consentStatus: 'authorised',
      consentId: newId(),
      lastPullAtMs: nowMs - 24 * 60 * 60 * 1000
    }
    if (change.scenario !== undefined) connection.scenario = change.scenario
    if (change.consentStatus !== undefined) connection.consentStatus = change.consentStatus
    if (change.lastPullAtMs !== undefined) connection.lastPullAtMs = change.lastPullAtMs
    customer.connections.set(provider, connection)
    return connection
  }

  get (customerId: string): Customer | undefined {
    return this.#byId.get(customerId.toLowerCase())
  }

  all (): Customer[] {
    return [...this.#byId.values()]
  }

  #add (customer: Customer): void {
    this.#byId.set(customer.customerId, customer)
    if (customer.idempotentIdentifier !== undefined) this.#byIdentifier.set(customer.idempotentIdentifier, customer)
  }

  #fromSeed (seed: CustomerSeed, nowMs: number, provisioned: boolean): Customer {
    const customer: Customer = {
      customerId: seed.customerId,
      provisioned,
      connections: new Map(seed.connections.map((c) => [c.provider, connectionFromSeed(c, nowMs)]))
    }
    if (seed.idempotentIdentifier !== undefined) customer.idempotentIdentifier = seed.idempotentIdentifier
    if (seed.label !== undefined) customer.label = seed.label
    return customer
  }
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
