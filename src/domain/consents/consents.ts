// The customer's consents as Bud keeps them: one per connection (its
// current one) and the former ones new consents replaced; listed, revoked
// (a task, one step long) and reconfirmed. A consent expires 90 days after it
// was last given on the sandbox clock; a refresh past then ends
// connection_expired (see refresh.ts). Knows nothing of HTTP.
import type { Clock } from '../clock.js'
import { budConsentStatus, CONSENT_LIFETIME_MS, consentExpiresAtMs, consentIdOf, type CustomerDirectory, type CustomerRef } from '../customers.js'
import { accountsOf } from '../data/bank.js'
import { lastPullAt } from '../data/bud-copy.js'
import type { FinancialData } from '../data/financial-data.js'
import { BudError, ERRORS } from '../errors.js'
import { TASK_STATUS, type TaskStatus } from '../scenarios.js'
import { ownTask, type TaskStore } from '../task-store.js'
import { type Connection, CONSENT_EVENTS, type ConsentChange, type Customer, type PendingConsent, type RevokeReason } from '../records.js'

const DAY_MS = 24 * 60 * 60 * 1000
/** `reconfirm_due` lists consents expiring within this span: Plaid's lead time for the same UK rule. */
export const DEFAULT_RECONFIRM_DUE_MS = 7 * DAY_MS
/** How far back a consent lets Bud read transactions, from when it was first given. */
const TRANSACTION_HISTORY_MS = 365 * DAY_MS

export const CONSENT_FILTERS = ['active', 'all', 'reconfirm_due'] as const
export type ConsentFilter = (typeof CONSENT_FILTERS)[number]

/** Bud's statuses of a consent; the sandbox's own pending authorisations add the first and third. */
export type ConsentState = 'awaiting_authorisation' | 'authorised' | 'rejected' | 'revoked'

export interface ConsentRecord {
  consentId: string
  customerId: string
  provider: string
  createdAtMs: number
  lastConsentedMs: number
  expiresAtMs: number
  transactionFromMs: number
  status: ConsentState
  revokedAtMs?: number | undefined
  revokeReason?: RevokeReason | undefined
  accountIds: readonly string[]
  /** The latest pull of data under it; for a revoked consent, when it was revoked. */
  lastSyncedAtMs?: number | undefined
}

export interface RevokeTask {
  taskId: string
  clientId: string
  customerId: string
  provider: string
  startedAtMs: number
  endsAtMs: number
  /** Whether the customer had a consent for the provider to revoke. */
  found: boolean
}

export interface ConsentSettings {
  reconfirmDueMs: number
  stepMs: number
}

/** A consent's record from when it was given: its expiry and history follow. */
function given (customer: Customer, consentId: string, provider: string, createdAtMs: number, lastConsentedMs: number, status: ConsentState, accountIds: readonly string[]): ConsentRecord {
  return {
    consentId,
    customerId: customer.customerId,
    provider,
    createdAtMs,
    lastConsentedMs,
    expiresAtMs: lastConsentedMs + CONSENT_LIFETIME_MS,
    transactionFromMs: createdAtMs - TRANSACTION_HISTORY_MS,
    status,
    accountIds
  }
}

export class Consents {
  readonly #clock: Clock
  readonly #customers: CustomerDirectory
  readonly #data: FinancialData
  readonly #revokes: TaskStore<RevokeTask>
  readonly #settings: ConsentSettings
  readonly #changed: (change: ConsentChange) => void

  constructor (deps: {
    clock: Clock
    customers: CustomerDirectory
    data: FinancialData
    revokes: TaskStore<RevokeTask>
    settings: ConsentSettings
    changed: (change: ConsentChange) => void
  }) {
    this.#clock = deps.clock
    this.#customers = deps.customers
    this.#data = deps.data
    this.#revokes = deps.revokes
    this.#settings = deps.settings
    this.#changed = deps.changed
  }

  /**
   * Retrieve Customer Consents: `active` (the default) lists the authorised
   * consents not yet past their expiration date; `reconfirm_due` those of
   * them expiring within the reconfirm lead time; `all` every consent,
   * former and pending ones included.
   */
  list (customer: Customer, filter: ConsentFilter, pending: readonly PendingConsent[] = []): ConsentRecord[] {
    const nowMs = this.#clock.nowMs()
    const current = this.current(customer)
    if (filter === 'all') {
      const former = (customer.formerConsents ?? []).map((f) => ({
        ...given(customer, f.consentId, f.provider, f.consentedAtMs, f.lastConsentedMs, 'revoked', f.accountIds),
        revokedAtMs: f.revokedAtMs,
        revokeReason: f.revokeReason,
        lastSyncedAtMs: f.revokedAtMs
      }))
      const asked = pending.map((p) => given(customer, p.consentId, p.provider, p.createdAtMs, p.createdAtMs, p.status, []))
      return [...current, ...former, ...asked]
    }
    const active = current.filter((r) => r.status === 'authorised' && r.expiresAtMs > nowMs)
    return filter === 'active' ? active : active.filter((r) => r.expiresAtMs - nowMs <= this.#settings.reconfirmDueMs)
  }

  /** The consent each of the customer's connections holds now, authorised or revoked. */
  current (customer: Customer): ConsentRecord[] {
    const nowMs = this.#clock.nowMs()
    return this.#customers.connections(customer).map((c) => this.#record(customer, c, nowMs))
  }

  /** The customer's current consent with this id, if it has one. */
  connectionOf (customer: Customer, consentId: string): Connection | undefined {
    return this.#customers.connections(customer).find((c) => consentIdOf(customer.customerId, c) === consentId)
  }

  /**
   * Initiate Revoke Consent: every consent of the provider is revoked now
   * (Bud's record and the bank's alike), each with a ConsentRevokedCallBack;
   * the task reports it after one step. No consent to revoke: the task fails.
   */
  revoke (clientId: string, ref: CustomerRef, provider: string): RevokeTask {
    const nowMs = this.#clock.nowMs()
    const customer = this.#customers.resolve(ref, nowMs)
    const connection = this.#customers.connection(customer, provider)
    if (connection !== undefined && budConsentStatus(connection, nowMs) === 'authorised') {
      this.#customers.setConnection(customer, provider, { consentStatus: 'revoked' }, nowMs)
      this.#customers.reportRevoked(connection, nowMs, 'bud_revoked')
      this.#changed({ event: CONSENT_EVENTS.revoked, clientId, customerId: customer.customerId, provider: connection.provider, consentId: consentIdOf(customer.customerId, connection), atMs: nowMs, reason: 'bud_revoked' })
    }
    const found = connection !== undefined
    return this.#revokes.add((taskId) => ({ taskId, clientId, customerId: customer.customerId, provider, startedAtMs: nowMs, endsAtMs: nowMs + this.#settings.stepMs, found }), nowMs)
  }

  /** The client's revoke task for this customer; anyone else's is not found. */
  findRevoke (clientId: string, ref: CustomerRef, taskId: string): RevokeTask {
    return ownTask(this.#revokes, taskId, clientId, this.#customers.lookup(ref)?.customerId)
  }

  revokeStatus (task: RevokeTask): { status: TaskStatus, result?: string } {
    if (this.#clock.nowMs() < task.endsAtMs) return { status: TASK_STATUS.pending }
    return task.found ? { status: TASK_STATUS.completed, result: 'success' } : { status: TASK_STATUS.failed, result: 'consent_not_found' }
  }

  /**
   * Reconfirm Consent: 90 more days from now for an authorised consent the
   * bank still holds and that has not expired; otherwise the customer must
   * reconnect (re-authenticate it), and nothing changes.
   */
  reconfirm (clientId: string, ref: CustomerRef, consentId: string): { provider: string, reconnectRequired: boolean } {
    const nowMs = this.#clock.nowMs()
    const customer = this.#customers.resolve(ref, nowMs)
    const connection = this.connectionOf(customer, consentId)
    if (connection === undefined) {
      // A consent a newer one replaced can only be given again by connecting.
      const former = customer.formerConsents?.find((f) => f.consentId === consentId)
      if (former !== undefined) return { provider: former.provider, reconnectRequired: true }
      throw new BudError(ERRORS.consentNotFound)
    }
    const renewable = budConsentStatus(connection, nowMs) === 'authorised' && connection.consentStatus === 'authorised' && consentExpiresAtMs(connection) > nowMs
    if (!renewable) return { provider: connection.provider, reconnectRequired: true }
    connection.lastConsentedMs = nowMs
    this.#changed({ event: CONSENT_EVENTS.reconfirmed, clientId, customerId: customer.customerId, provider: connection.provider, consentId: consentIdOf(customer.customerId, connection), atMs: nowMs })
    return { provider: connection.provider, reconnectRequired: false }
  }

  #record (customer: Customer, connection: Connection, nowMs: number): ConsentRecord {
    const status = budConsentStatus(connection, nowMs)
    const data = this.#data.dataOf(customer.customerId, connection, nowMs)
    const record = given(customer, consentIdOf(customer.customerId, connection), connection.provider, connection.consentedAtMs, connection.lastConsentedMs, status, accountsOf(data.bank).map((a) => a.accountId))
    record.lastSyncedAtMs = status === 'revoked' ? connection.revokedAtMs : lastPullAt(data)
    if (status === 'revoked') {
      record.revokedAtMs = connection.revokedAtMs
      record.revokeReason = connection.revokeReason
    }
    return record
  }
}
