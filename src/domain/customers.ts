// The customers the sandbox knows and their connections: seeded from the
// fixtures, created by Create Customer V3, provisioned on first use when
// allowed, changed at run time by the admin endpoints. Each connection also
// carries Bud's own record of its consent, which a refresh that finds the
// consent gone turns to revoked.
import Denque from 'denque'
import type { BankSeed } from './data/bank.js'
import { DEFAULT_PROFILE } from './data/profiles.js'
import type { ConnectionSeed, ConsentStatus, CustomerSeed, World } from './world.js'
import { BudError, ERRORS } from './errors.js'
import { idOf, IdSource } from './ids.js'
import { newestFor, withNewest, withoutTask } from './newest-tasks.js'
import type { Connection, Customer, CustomerContext, CustomerOrigin, FormerConsent, ParentTask, RevokeReason, Task } from './records.js'

const DEFAULT_BANK: BankSeed = { profile: DEFAULT_PROFILE }

/** The connection's consent id: the fixtures', one a connect made, else a function of the customer and provider. */
export function consentIdOf (customerId: string, connection: Connection): string {
  connection.consentId ??= idOf(`consent/${customerId}/${connection.provider}`)
  return connection.consentId
}

/** The consent id of the connection a task refreshed; undefined when the customer had no connection to it. */
export function taskConsentId (task: Task): string | undefined {
  return task.connection === undefined ? undefined : consentIdOf(task.customerId, task.connection)
}

/** Bud's record of a consent, as opposed to the bank's (`consentStatus`). */
export type BudConsentStatus = 'authorised' | 'revoked'

/** A UK consent lasts 90 days from when it was last given (Bud: "a generated consent has a 90 day expiry"). */
export const CONSENT_LIFETIME_MS = 90 * 24 * 60 * 60 * 1000

/** When the connection's consent expires (its expiration_date). */
export function consentExpiresAtMs (connection: Connection): number {
  return connection.lastConsentedMs + CONSENT_LIFETIME_MS
}

export function budConsentStatus (connection: Connection, nowMs: number): BudConsentStatus {
  return connection.revokedAtMs !== undefined && connection.revokedAtMs <= nowMs ? 'revoked' : 'authorised'
}

export const DEFAULT_CUSTOMER_CONTEXT: CustomerContext = { type: 'personal', region: 'GB', locale: 'en-GB', models: { categorisation: 'uk-v2' } }

export interface CustomerContextRequest {
  type?: CustomerContext['type'] | undefined
  region?: string | undefined
  locale?: string | undefined
  models?: { categorisation?: string | undefined } | undefined
}

/** The context a request asks for, with Bud's defaults for what it leaves out; nothing else it sent is kept. */
export function withDefaults (given: CustomerContextRequest | undefined): CustomerContext {
  const d = DEFAULT_CUSTOMER_CONTEXT
  return {
    type: given?.type ?? d.type,
    region: given?.region ?? d.region,
    locale: given?.locale ?? d.locale,
    models: { categorisation: given?.models?.categorisation ?? d.models.categorisation }
  }
}

/** Former consents kept per customer; past this many the oldest are forgotten. */
export const MAX_FORMER_CONSENTS = 32

export interface ConnectionChange {
  scenario?: string | undefined
  consentStatus?: ConsentStatus | undefined
  lastPullAtMs?: number | undefined
  /** When the consent was last given: it then expires 90 days later. */
  lastConsentedMs?: number | undefined
}

/** How a request names its customer: by Bud id, or by the client's own identifier. */
export type CustomerRef = { customerId: string } | { idempotentIdentifier: string }

// Connection lists are replaced, never changed in place (readonly), so new
// customers can share this one. Not frozen: a frozen array is another kind of
// array to V8, and every read of a connection list would then see two.
const NO_CONNECTIONS: readonly Connection[] = []

/** Customers created on first use or by Create Customer V3 are kept up to this many; the oldest go first. */
export const MAX_PROVISIONED_CUSTOMERS = 100_000
/** Deleted customers' ids (and identifiers) remembered, so they stay unknown; past this many the oldest are forgotten. */
export const MAX_DELETED_CUSTOMERS = 100_000

/**
 * Which client each customer belongs to, across every client's world: the
 * customers a client created or was given on first use, and the fixtures'
 * customers named for one client. Another client's customer id is, to a
 * client, a customer it does not know (Bud's customer_not_found), never one
 * to provision: the fixtures' other customers are every client's own copy.
 */
export class CustomerOwners {
  readonly #fixed: Map<string, string>
  readonly #owners = new Map<string, string>()

  constructor (fixtures: World) {
    this.#fixed = new Map(fixtures.customers.flatMap((c) => c.clientId === undefined ? [] : [[c.customerId, c.clientId] as const]))
  }

  /** Whether a customer with this id may be made for `owner` (undefined: the world every new client starts from). */
  free (customerId: string, owner: string | undefined): boolean {
    const holder = this.#fixed.get(customerId) ?? this.#owners.get(customerId)
    return holder === undefined || holder === owner
  }

  claim (customerId: string, owner: string | undefined): void {
    if (owner !== undefined) this.#owners.set(customerId, owner)
  }

  release (customerId: string, owner: string | undefined): void {
    if (owner !== undefined && this.#owners.get(customerId) === owner) this.#owners.delete(customerId)
  }

  /** The customers claimed at run time, by id (a snapshot's; the fixtures' are the fixtures'). */
  snapshot (): Map<string, string> {
    return this.#owners
  }

  restore (kept: Map<string, string>): void {
    this.#owners.clear()
    for (const [customerId, owner] of kept) this.#owners.set(customerId, owner)
  }
}

/** What a snapshot keeps of one client's customers. */
export interface DirectorySnapshot {
  loadedAtMs: number
  made: Map<string, Customer>
  identifiers: Map<string, Customer>
  provisioned: Customer[]
  deleted: Set<string>
  ids: readonly number[]
}

export interface CustomerListRequest {
  /** The last id of the page before. */
  afterId?: string | undefined
  pageSize: number
  idempotentIdentifier?: string | undefined
  fromMs?: number | undefined
  toMs?: number | undefined
}

/** What every directory of one world reads from its fixtures, made once for all of them. */
interface FixtureIndex {
  defaults: Map<string, ConnectionSeed>
  byId: Map<string, CustomerSeed>
  byIdentifier: Map<string, CustomerSeed>
}
const indexes = new WeakMap<World, FixtureIndex>()

function indexOf (fixtures: World): FixtureIndex {
  let index = indexes.get(fixtures)
  if (index === undefined) {
    index = {
      defaults: new Map(fixtures.defaultConnections.map((seed) => [seed.provider, seed])),
      byId: new Map(fixtures.customers.map((seed) => [seed.customerId, seed])),
      byIdentifier: new Map(fixtures.customers.flatMap((seed) => seed.idempotentIdentifier === undefined ? [] : [[seed.idempotentIdentifier, seed] as const]))
    }
    indexes.set(fixtures, index)
  }
  return index
}

/**
 * One client's customers. The fixtures' customers are made when first asked
 * for, as of when the directory was loaded or reset: a client that never
 * looks at them costs nothing for them (10,000 clients stay cheap).
 */
export class CustomerDirectory {
  readonly #fixtures: World
  readonly #index: FixtureIndex
  readonly #maxProvisioned: number
  // When the fixtures' relative times are taken from.
  #loadedAtMs = 0
  // The customers made so far (fixture customers once asked for), by id and by identifier.
  #made = new Map<string, Customer>()
  #identifiers = new Map<string, Customer>()
  // Provisioned customers in creation order, so a flood of new ids stays bounded
  // (a queue: see TaskStore for why not a Set's own order).
  #provisioned = new Denque<Customer>()
  // Deleted ids, and deleted identifiers under IDENTIFIER_KEY, in deletion order.
  #deleted = new Set<string>()

  readonly #ids: IdSource
  /** The client whose customers these are (its own fixture customers with the shared ones); undefined: the shared ones alone. */
  readonly #owner: string | undefined
  readonly #owners: CustomerOwners

  constructor (fixtures: World, nowMs: number, options: { owner?: string | undefined, owners?: CustomerOwners, ids?: string, maxProvisioned?: number } = {}) {
    this.#owner = options.owner
    this.#owners = options.owners ?? new CustomerOwners(fixtures)
    this.#ids = new IdSource(options.ids ?? 'customers')
    const maxProvisioned = options.maxProvisioned ?? MAX_PROVISIONED_CUSTOMERS
    this.#fixtures = fixtures
    this.#index = indexOf(fixtures)
    this.#maxProvisioned = maxProvisioned
    this.reset(nowMs)
  }

  /** Back to the fixtures' customers, with relative times taken from `nowMs`. */
  reset (nowMs: number): void {
    this.release()
    this.#ids.restart()
    this.#made = new Map()
    this.#identifiers = new Map()
    this.#provisioned = new Denque()
    this.#deleted = new Set()
    this.#loadedAtMs = nowMs
  }

  snapshot (): DirectorySnapshot {
    return { loadedAtMs: this.#loadedAtMs, made: this.#made, identifiers: this.#identifiers, provisioned: this.#provisioned.toArray(), deleted: this.#deleted, ids: this.#ids.position }
  }

  /** Back to a snapshot's customers (its owners are restored with the worlds). */
  restore (kept: DirectorySnapshot): void {
    this.#loadedAtMs = kept.loadedAtMs
    this.#made = kept.made
    this.#identifiers = kept.identifiers
    this.#provisioned = new Denque(kept.provisioned)
    this.#deleted = kept.deleted
    this.#ids.resume(kept.ids)
  }

  /** A fixture customer of this client's, made now if not yet; undefined when there is none by this id, or it was removed. */
  #fixture (customerId: string): Customer | undefined {
    const seed = this.#index.byId.get(customerId)
    if (seed === undefined || (seed.clientId !== undefined && seed.clientId !== this.#owner) || this.#deleted.has(customerId)) return undefined
    const customer = fromSeed(seed, this.#loadedAtMs)
    this.#add(customer)
    return customer
  }

  #byId (customerId: string): Customer | undefined {
    return this.#made.get(customerId) ?? this.#fixture(customerId)
  }

  #byIdentifier (identifier: string): Customer | undefined {
    const made = this.#identifiers.get(identifier)
    if (made !== undefined) return made
    const seed = this.#index.byIdentifier.get(identifier)
    if (seed === undefined || this.#made.has(seed.customerId) || this.#deleted.has(IDENTIFIER_KEY + identifier)) return undefined
    return this.#fixture(seed.customerId)
  }

  /** Gives up every customer this directory made, so other clients' may use those ids (a reset, a world forgotten). */
  release (): void {
    for (const customer of this.#provisioned.toArray()) this.#owners.release(customer.customerId, this.#owner)
  }

  /** The customer a request names, if known; never provisions. */
  lookup (ref: CustomerRef): Customer | undefined {
    return 'customerId' in ref ? this.#byId(ref.customerId.toLowerCase()) : this.#byIdentifier(ref.idempotentIdentifier)
  }

  /** Finds the customer a request names, provisioning it when the fixtures allow. */
  resolve (ref: CustomerRef, nowMs: number): Customer {
    if ('customerId' in ref) {
      const customerId = ref.customerId.toLowerCase()
      return this.#byId(customerId) ?? this.#provision(customerId, undefined, nowMs)
    }
    return this.#byIdentifier(ref.idempotentIdentifier) ?? this.#provision(this.#ids.next(), ref.idempotentIdentifier, nowMs)
  }

  /**
   * Remove Customer V3: the customer and its data are gone, and its id and
   * identifier stay unknown — never provisioned again — while remembered.
   */
  remove (customer: Customer): void {
    this.#made.delete(customer.customerId)
    this.#forget(customer.customerId)
    if (customer.idempotentIdentifier !== undefined) {
      if (this.#identifiers.get(customer.idempotentIdentifier) === customer) this.#identifiers.delete(customer.idempotentIdentifier)
      this.#forget(IDENTIFIER_KEY + customer.idempotentIdentifier)
    }
  }

  /** Retrieve Customers V3: one page, ordered by id; deleted customers are gone from it. */
  list (request: CustomerListRequest): { customers: Customer[], more: boolean } {
    const matching = (c: Customer) =>
      (request.idempotentIdentifier === undefined || c.idempotentIdentifier === request.idempotentIdentifier) &&
      (request.fromMs === undefined || c.createdAtMs >= request.fromMs) &&
      (request.toMs === undefined || c.createdAtMs <= request.toMs) &&
      (request.afterId === undefined || c.customerId > request.afterId)
    const found = (request.idempotentIdentifier === undefined ? this.all() : [this.#byIdentifier(request.idempotentIdentifier)].filter((c) => c !== undefined))
      .filter(matching)
      .sort((a, b) => a.customerId < b.customerId ? -1 : 1)
    return { customers: found.slice(0, request.pageSize), more: found.length > request.pageSize }
  }

  #forget (key: string): void {
    this.#deleted.add(key)
    if (this.#deleted.size > MAX_DELETED_CUSTOMERS) this.#deleted.delete(this.#deleted.values().next().value!)
  }

  /**
   * Create Customer V3: a new customer with the world's default connections,
   * or the existing one when `idempotentIdentifier` is known (created false).
   * Works whether or not unknown customers are provisioned on first use.
   */
  create (request: { idempotentIdentifier?: string | undefined, context: CustomerContext }, nowMs: number): { customer: Customer, created: boolean } {
    const known = request.idempotentIdentifier === undefined ? undefined : this.#byIdentifier(request.idempotentIdentifier)
    if (known !== undefined) return { customer: known, created: false }
    // A deleted customer's identifier given to Create Customer V3 makes a new customer with it.
    if (request.idempotentIdentifier !== undefined) this.#deleted.delete(IDENTIFIER_KEY + request.idempotentIdentifier)
    const customer = this.#addProvisioned(this.#ids.next(), request.idempotentIdentifier, nowMs, 'created')
    customer.context = request.context
    return { customer, created: true }
  }

  /** The customer's connection to a provider, if it has one. */
  connection (customer: Customer, provider: string): Connection | undefined {
    const made = customer.connections.find((c) => c.provider === provider)
    if (made !== undefined || customer.defaultsAtMs === undefined) return made
    const seed = this.#index.defaults.get(provider)
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
      const defaults = this.#fixtures.defaultConnections.map((seed) => made.find((c) => c.provider === seed.provider) ?? connectionFromSeed(seed, defaultsAtMs))
      customer.connections = made.length === 0 ? defaults : [...defaults, ...made.filter((c) => !this.#index.defaults.has(c.provider))]
      customer.defaultsAtMs = undefined
    }
    return customer.connections
  }

  /** Creates or changes one connection at run time (e.g. revoke a consent mid-test). */
  setConnection (customer: Customer, provider: string, change: ConnectionChange, nowMs: number): Connection {
    let connection = this.connection(customer, provider)
    if (connection === undefined) {
      connection = newConnection(provider, nowMs - 24 * 60 * 60 * 1000, nowMs, this.connections(customer))
      customer.connections = withConnection(customer.connections, connection)
    }
    if (change.scenario !== undefined) connection.scenario = change.scenario
    if (change.consentStatus !== undefined) {
      // A consent set anew (revoked at the bank, or connected again) is one Bud has not yet refreshed against.
      connection.consentStatus = change.consentStatus
      connection.revokedAtMs = undefined
      connection.revokeReason = undefined
    }
    if (change.lastConsentedMs !== undefined) connection.lastConsentedMs = change.lastConsentedMs
    if (change.lastPullAtMs !== undefined) {
      // A last pull set anew is Bud's copy started again from that pull.
      connection.lastPullAtMs = change.lastPullAtMs
      connection.data = undefined
    }
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

  /** The connections whose consent Bud holds as authorised at `nowMs`, in their order: what V2 refreshes by default. */
  authorisedConnections (customer: Customer, nowMs: number): readonly Connection[] {
    const connections = this.connections(customer)
    // Most customers' consents are all authorised: their own list then, not a copy.
    if (connections.every((c) => budConsentStatus(c, nowMs) === 'authorised')) return connections
    return connections.filter((c) => budConsentStatus(c, nowMs) === 'authorised')
  }

  /** A refresh that ends at `atMs` found the consent gone (or a client revoked it): Bud's record turns to revoked then. */
  reportRevoked (connection: Connection, atMs: number, reason: RevokeReason): void {
    if (connection.revokedAtMs === undefined || atMs < connection.revokedAtMs) {
      connection.revokedAtMs = atMs
      connection.revokeReason = reason
    }
  }

  /**
   * A customer connects a provider: the connection it has (or a new one) takes
   * a consent given now. With `reauthorise`, the connection's own consent is
   * given again (same id, 90 more days); otherwise a new consent replaces it,
   * and the one it had stays listed, revoked, among the former consents.
   */
  connect (customer: Customer, provider: string, nowMs: number, reauthorise: boolean, accountIds: () => readonly string[]): Connection {
    let connection = this.connection(customer, provider)
    if (connection === undefined) {
      connection = newConnection(provider, nowMs, nowMs, this.connections(customer))
      connection.data = undefined
      customer.connections = withConnection(this.connections(customer), connection)
      return connection
    }
    if (!reauthorise) {
      const revokedAtMs = connection.revokedAtMs !== undefined && connection.revokedAtMs <= nowMs ? connection.revokedAtMs : nowMs
      const former: FormerConsent = {
        consentId: consentIdOf(customer.customerId, connection),
        provider,
        consentedAtMs: connection.consentedAtMs,
        lastConsentedMs: connection.lastConsentedMs,
        revokedAtMs,
        revokeReason: revokedAtMs === nowMs ? 'duplicate_accounts' : connection.revokeReason ?? 'provider_revoked',
        accountIds: accountIds()
      }
      const formers = customer.formerConsents ??= []
      formers.push(former)
      if (formers.length > MAX_FORMER_CONSENTS) formers.shift()
      connection.consentId = undefined
      connection.consentedAtMs = nowMs
    }
    connection.lastConsentedMs = nowMs
    connection.consentStatus = 'authorised'
    connection.revokedAtMs = undefined
    connection.revokeReason = undefined
    return connection
  }

  /** The customer's newest V2 refresh by this client of exactly these providers, if one is kept. */
  newestParent (customer: Customer, clientId: string, providersKey: string): ParentTask | undefined {
    const parents = customer.parents
    if (parents instanceof Map) return parents.get(parentKey(clientId, providersKey))
    return parents?.clientId === clientId && parents.providersKey === providersKey ? parents : undefined
  }

  rememberParent (customer: Customer, parent: ParentTask): void {
    const parents = customer.parents
    if (parents === undefined || (!(parents instanceof Map) && parents.clientId === parent.clientId && parents.providersKey === parent.providersKey)) {
      customer.parents = parent
      return
    }
    const byKey = parents instanceof Map ? parents : new Map([[parentKey(parents.clientId, parents.providersKey), parents]])
    byKey.set(parentKey(parent.clientId, parent.providersKey), parent)
    customer.parents = byKey
  }

  /** Called when the parent store evicts a V2 refresh. */
  forgetParent (parent: ParentTask): void {
    const customer = this.#made.get(parent.customerId)
    const parents = customer?.parents
    if (parents === parent) customer!.parents = undefined
    else if (parents instanceof Map && parents.get(parentKey(parent.clientId, parent.providersKey)) === parent) parents.delete(parentKey(parent.clientId, parent.providersKey))
  }

  /** Called when the task store evicts a task, so the dedupe no longer finds it. */
  forgetTask (task: Task): void {
    const customer = this.#made.get(task.customerId)
    if (customer !== undefined) customer.newest = withoutTask(customer.newest, task)
  }

  get (customerId: string): Customer | undefined {
    return this.#byId(customerId.toLowerCase())
  }

  /** Every customer: the fixtures' first, in their order, then the others as they came. */
  all (): Customer[] {
    const fixtures: Customer[] = []
    for (const seed of this.#fixtures.customers) {
      const customer = this.#made.get(seed.customerId) ?? this.#fixture(seed.customerId)
      if (customer !== undefined) fixtures.push(customer)
    }
    return [...fixtures, ...[...this.#made.values()].filter((c) => c.origin !== 'fixtures')]
  }

  #provision (customerId: string, idempotentIdentifier: string | undefined, nowMs: number): Customer {
    if (!this.#fixtures.provisionUnknownCustomers || !this.#owners.free(customerId, this.#owner)) throw new BudError(ERRORS.customerNotFound)
    if (this.#deleted.has(idempotentIdentifier === undefined ? customerId : IDENTIFIER_KEY + idempotentIdentifier)) throw new BudError(ERRORS.customerNotFound)
    return this.#addProvisioned(customerId, idempotentIdentifier, nowMs, 'first_use')
  }

  #addProvisioned (customerId: string, idempotentIdentifier: string | undefined, nowMs: number, origin: CustomerOrigin): Customer {
    const customer: Customer = {
      customerId,
      origin,
      createdAtMs: nowMs,
      context: DEFAULT_CUSTOMER_CONTEXT,
      connections: NO_CONNECTIONS,
      defaultsAtMs: nowMs,
      newest: undefined,
      parents: undefined
    }
    if (idempotentIdentifier !== undefined) customer.idempotentIdentifier = idempotentIdentifier
    this.#add(customer)
    this.#owners.claim(customerId, this.#owner)
    this.#provisioned.push(customer)
    if (this.#provisioned.length > this.#maxProvisioned) {
      const oldest = this.#provisioned.shift()!
      this.#owners.release(oldest.customerId, this.#owner)
      this.#made.delete(oldest.customerId)
      if (oldest.idempotentIdentifier !== undefined) this.#identifiers.delete(oldest.idempotentIdentifier)
    }
    return customer
  }

  #add (customer: Customer): void {
    this.#made.set(customer.customerId, customer)
    if (customer.idempotentIdentifier !== undefined) this.#identifiers.set(customer.idempotentIdentifier, customer)
  }
}

const IDENTIFIER_KEY = '\u0000'

const parentKey = (clientId: string, providersKey: string) => `${clientId}\n${providersKey}`

function fromSeed (seed: CustomerSeed, nowMs: number): Customer {
  const customer: Customer = {
    customerId: seed.customerId,
    origin: 'fixtures',
    createdAtMs: nowMs,
    context: DEFAULT_CUSTOMER_CONTEXT,
    connections: seed.connections.map((c) => connectionFromSeed(c, nowMs)),
    defaultsAtMs: undefined,
    newest: undefined,
    parents: undefined
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
  const consentedAtMs = seed.consented === undefined ? nowMs : 'atMs' in seed.consented ? seed.consented.atMs : nowMs - seed.consented.agoMs
  return {
    provider: seed.provider,
    scenario: seed.scenario,
    consentStatus: seed.consentStatus,
    consentId: seed.consentId,
    lastPullAtMs: 'atMs' in seed.lastPull ? seed.lastPull.atMs : nowMs - seed.lastPull.agoMs,
    revokedAtMs: undefined,
    revokeReason: undefined,
    consentedAtMs,
    lastConsentedMs: consentedAtMs,
    bank: seed.bank,
    data: undefined,
    waiting: undefined
  }
}

/** A connection made at run time, with the default bank — the customer's next of that profile — and a consent given at `consentedAtMs`. */
function newConnection (provider: string, lastPullAtMs: number, consentedAtMs: number, others: readonly Connection[]): Connection {
  const ordinal = others.filter((c) => 'profile' in c.bank && c.bank.profile === DEFAULT_PROFILE).length
  return {
    provider,
    scenario: 'success',
    consentStatus: 'authorised',
    consentId: undefined,
    lastPullAtMs,
    revokedAtMs: undefined,
    revokeReason: undefined,
    consentedAtMs,
    lastConsentedMs: consentedAtMs,
    bank: ordinal === 0 ? DEFAULT_BANK : { profile: DEFAULT_PROFILE, ordinal },
    data: undefined,
    waiting: undefined
  }
}
