// The plain records the sandbox's state is made of — customers and their
// connections, tasks, consents asked for, consent changes — at the floor of
// the domain: they import nothing of the services that keep and change them
// (customers.ts, task-store.ts, refresh.ts, consents/), so those depend on
// the records and not on each other, and a snapshot keeps them as they are.
import type { ConnectionData } from './data/bud-copy.js'
import type { BankSeed } from './data/bank.js'
import type { Scenario } from './scenarios.js'
import type { ConsentStatus } from './world.js'

export type TaskKind = 'refresh' | 'connect'

export interface Task {
  taskId: string
  kind: TaskKind
  clientId: string
  customerId: string
  provider: string
  /** The connection refreshed, if the customer has one; its consent id is read with taskConsentId. */
  connection: Connection | undefined
  startedAtMs: number
  stepMs: number
  /** The refresh window, kept inline: one object less per task. */
  windowFromMs: number
  windowToMs: number
  scenario: Scenario
  /** Once its pull is in Bud's copy: whether it stored transactions Bud did not hold before. */
  newTransactions: boolean | undefined
  /** See Polled: made with the task, so every task has one shape. */
  polledAtMs: number | undefined
  endSeen: boolean
}

/**
 * What the integration checks note on a task its client reads (see
 * findings/watch.ts): when it was last answered, and whether the client has
 * seen it end. Kept on the task, so it lives and goes with it.
 */
export interface Polled {
  taskId: string
  startedAtMs: number
  polledAtMs?: number | undefined
  endSeen?: boolean | undefined
}

/** A V2 refresh: one parent task over one refresh task per provider. */
export interface ParentTask {
  taskId: string
  clientId: string
  customerId: string
  /** The providers refreshed, sorted: what makes two V2 refreshes "similar" for the dedupe. */
  providersKey: string
  startedAtMs: number
  /** In the order the request gave (or the customer's connections' order). */
  subTasks: readonly Task[]
  polledAtMs?: number | undefined
  endSeen?: boolean | undefined
}

/** What a store keeps: anything with an id and a start. */
export interface Stored {
  taskId: string
  startedAtMs: number
}

/** Bud's revoke_reason values. */
export const REVOKE_REASONS = ['provider_revoked', 'bud_revoked', 'single_use', 'duplicate_accounts', 'access_token_error', 'consent_invalid'] as const
export type RevokeReason = (typeof REVOKE_REASONS)[number]

export interface Connection {
  provider: string
  scenario: string
  consentStatus: ConsentStatus
  /**
   * The fixtures' consent id, else undefined until first read: read it with
   * consentIdOf, which makes it then. Most connections a load makes are
   * never shown, and a new V2 parent made two ids nobody read.
   */
  consentId: string | undefined
  lastPullAtMs: number
  /**
   * When a refresh reported this consent as no longer valid (its task's end):
   * from then on Bud's record of the consent is revoked. Undefined while Bud
   * still holds it as authorised, whatever the bank's side says.
   */
  revokedAtMs: number | undefined
  /** Why Bud's record turned to revoked (Bud's revoke_reason); set with revokedAtMs. */
  revokeReason: RevokeReason | undefined
  /** When the consent was first given (its created_at). */
  consentedAtMs: number
  /** When it was last given, reconfirmed or re-authenticated: it expires CONSENT_LIFETIME_MS after. */
  lastConsentedMs: number
  bank: BankSeed
  /** Bud's copy of the connection's data, made when first read (see data/financial-data.ts). */
  data: ConnectionData | undefined
  /** Refreshes of this connection whose pull is added to Bud's copy once they end: one, several, or none. */
  waiting: Task | Task[] | undefined
}

/** A consent Bud no longer holds for a connection: replaced by a new one for the same provider. */
export interface FormerConsent {
  consentId: string
  provider: string
  consentedAtMs: number
  lastConsentedMs: number
  revokedAtMs: number
  revokeReason: RevokeReason
  accountIds: readonly string[]
}

/** Bud's customer context; what a Create Customer V3 request leaves out takes Bud's defaults. */
export interface CustomerContext {
  type: 'personal' | 'business'
  region: string
  locale: string
  models: { categorisation: string }
}

/** Where a customer came from: the fixtures, a first request naming it, or Create Customer V3. */
export type CustomerOrigin = 'fixtures' | 'first_use' | 'created'

export interface Customer {
  customerId: string
  idempotentIdentifier?: string
  label?: string
  origin: CustomerOrigin
  createdAtMs: number
  context: CustomerContext
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
  /**
   * The newest V2 refresh per client and set of providers, for V2's one-hour
   * dedupe: the one refresh most customers have as it is, a map past that.
   */
  parents: ParentTask | Map<string, ParentTask> | undefined
  /** Consents replaced by a new one for the same provider, oldest first (bounded: see MAX_FORMER_CONSENTS). */
  formerConsents?: FormerConsent[]
  /** Consents asked for and not (yet) given: each authorisation's, until it ends in a connection. */
  pendingConsents?: PendingConsent[] | undefined
}

/** A consent the customer is being asked for and has not yet given (or has refused): see connect/authorisations.ts. */
export interface PendingConsent {
  consentId: string
  provider: string
  createdAtMs: number
  status: 'awaiting_authorisation' | 'rejected'
}

export const CONSENT_EVENTS = {
  reconfirmed: 'open_banking.consent.reconfirmed',
  reauthorised: 'open_banking.consent.reauthorised',
  revoked: 'open_banking.consent.revoked'
} as const

export type ConsentEvent = (typeof CONSENT_EVENTS)[keyof typeof CONSENT_EVENTS]

export interface ConsentChange {
  event: ConsentEvent
  clientId: string
  customerId: string
  provider: string
  consentId: string
  atMs: number
  reason?: RevokeReason | undefined
}

/** A customer's newest task per client and provider, for the one-hour dedupe (newest-tasks.ts reads and changes it). */
export type ForClient = Task | Map<string, Task>
export type NewestTasks = Task | Task[] | Map<string, ForClient> | undefined
