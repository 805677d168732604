// The world the sandbox simulates: providers, scenarios, customers with their
// connections and consents, clients, and the settings that shape a refresh.
// A fixture file is read into this model (src/fixtures.ts); the domain knows
// nothing of files.
import type { BankSeed } from './data/bank.js'
import type { FaultSettings } from './faults.js'
import type { ScenarioCatalogue } from './scenarios.js'

export const CONSENT_STATUSES = ['authorised', 'revoked', 'expired', 'reauthentication_required'] as const
export type ConsentStatus = (typeof CONSENT_STATUSES)[number]

/** The scenario a consent that is no longer authorised turns every refresh into. */
export const CONSENT_SCENARIOS: Record<Exclude<ConsentStatus, 'authorised'>, string> = {
  revoked: 'connection_revoked',
  expired: 'connection_expired',
  reauthentication_required: 'connection_reauthenticate'
}
export const NO_CONNECTION_SCENARIO = 'connection_not_found'
/** The scenarios every world declares: the sandbox plays them for missing connections and consents not authorised. */
export const REQUIRED_SCENARIOS = ['success', NO_CONNECTION_SCENARIO, ...Object.values(CONSENT_SCENARIOS)]

export interface ConnectionSeed {
  provider: string
  scenario: string
  consentStatus: ConsentStatus
  consentId?: string
  /** When the connection was last fetched: an instant, or a span before the clock's now at load. */
  lastPull: { atMs: number } | { agoMs: number }
  /** When its consent was given (it expires 90 days later); absent: when the sandbox loaded or the customer was made. */
  consented?: { atMs: number } | { agoMs: number }
  /** The bank behind the connection: a generated profile's, or accounts and transactions given outright. */
  bank: BankSeed
}

export interface CustomerSeed {
  customerId: string
  /** The one client this customer exists for; absent: every client has its own copy. */
  clientId?: string
  idempotentIdentifier?: string
  label?: string
  connections: ConnectionSeed[]
}

export const PROVIDER_TYPES = ['sandbox', 'business', 'retail'] as const
export const PROVIDER_SCOPES = ['accounts', 'balances', 'transactions', 'parties', 'direct-debits'] as const

export interface Provider {
  name: string
  displayName: string
  icon: string
  regions: readonly string[]
  mobileOnly: boolean
  types: readonly (typeof PROVIDER_TYPES)[number][]
  scopes: readonly (typeof PROVIDER_SCOPES)[number][]
  /** In maintenance for good (the fixtures' `maintenance: true`). */
  maintenance: boolean
  /** A planned maintenance on the sandbox clock: from `startMs`, until `endMs` when one is given. */
  maintenanceWindow?: { startMs: number, endMs?: number | undefined } | undefined
}

/** Whether the provider is in maintenance at `nowMs`: for good, or inside its window. */
export function inMaintenance (provider: Provider, nowMs: number): boolean {
  const window = provider.maintenanceWindow
  return provider.maintenance || (window !== undefined && window.startMs <= nowMs && (window.endMs === undefined || nowMs < window.endMs))
}

export interface ClientSeed {
  clientId: string
  clientSecret?: string
  webhookUrl?: string
  /** The webhooks sent to `webhookUrl`, by event name; absent: all of them. */
  webhookEvents?: readonly string[]
}

/** The integration checks' thresholds (findings/watch.ts applies them). */
export interface WatchSettings {
  /** More new tokens than this within an hour is token_per_request. */
  tokensPerHour: number
  /** One X-Customer-Ip-Address for refreshes of this many customers is shared_customer_ip. */
  sharedIpCustomers: number
}

export interface World {
  /** Where the world was read from (a fixture file's path). */
  source: string
  acceptAnyClient: boolean
  clients: ClientSeed[]
  faults: FaultSettings
  stepDurationMs: number
  /** Consents expiring within this many days are `reconfirm_due`. */
  reconfirmDueDays: number
  /** The integration checks' thresholds. */
  checks: WatchSettings
  provisionUnknownCustomers: boolean
  defaultConnections: ConnectionSeed[]
  providers: Map<string, Provider>
  catalogue: ScenarioCatalogue
  customers: CustomerSeed[]
}
