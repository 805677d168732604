// Bud Connect (the client without its own licence, TPP): a link, valid 30
// minutes on the sandbox clock, to pages where the customer picks a provider
// and goes to the bank, or reconfirms or revokes a consent, or sees what is
// connected. Each link is a session kept in a task store; its id in the URL is
// all the pages have. Knows nothing of HTTP: it answers with what to show and
// where to send the customer.
import type { Clock } from '../clock.js'
import type { ConsentRecord, Consents } from '../consents/consents.js'
import type { CustomerDirectory, CustomerRef } from '../customers.js'
import type { FinancialData, HeldAccount } from '../data/financial-data.js'
import { BudError, ERRORS, validationError } from '../errors.js'
import type { TaskStore } from '../task-store.js'
import { inMaintenance, PROVIDER_TYPES, type Provider, type World } from '../world.js'
import { bankPagePath, checkRedirectUrl, withParams, type Authorisations } from './authorisations.js'
import type { Customer } from '../records.js'

/** A Bud Connect link is valid for this long (Bud: "up to 30 minutes"). */
export const GATEWAY_LINK_MS = 30 * 60 * 1000
export const GATEWAY_PAGE_PATH = '/sandbox-connect/'

/** Bud's initial screens; `download_data` shows the summary (the sandbox has no download). */
export const INITIAL_SCREENS = ['accounts_summary', 'connect_accounts', 'download_data', 'reconfirm_consent', 'revoke_consent'] as const
export type InitialScreen = (typeof INITIAL_SCREENS)[number]

export interface GatewayRequest {
  redirectUrl: string
  providers?: readonly string[] | null | undefined
  providerTypes?: readonly string[] | null | undefined
  initialScreen?: InitialScreen | null | undefined
  /** Bud's deprecated flag for initial_screen reconfirm_consent. */
  reconfirmConsent?: boolean | null | undefined
}

export interface GatewaySession {
  taskId: string
  clientId: string
  customerId: string
  redirectUrl: string
  providers: readonly string[] | undefined
  providerTypes: readonly string[] | undefined
  initialScreen: InitialScreen
  startedAtMs: number
  expiresAtMs: number
}

/** What a Bud Connect page shows. */
export type Screen =
  | { kind: 'providers', session: GatewaySession, providers: Provider[] }
  | { kind: 'summary', session: GatewaySession, consents: ConsentRecord[], accounts: HeldAccount[] }
  | { kind: 'reconfirm', session: GatewaySession, consents: ConsentRecord[] }
  | { kind: 'revoke', session: GatewaySession, consents: ConsentRecord[] }

export class Gateway {
  readonly #clock: Clock
  readonly #fixtures: World
  readonly #customers: CustomerDirectory
  readonly #authorisations: Authorisations
  readonly #consents: Consents
  readonly #data: FinancialData
  readonly #sessions: TaskStore<GatewaySession>

  constructor (deps: {
    clock: Clock
    fixtures: World
    customers: CustomerDirectory
    authorisations: Authorisations
    consents: Consents
    data: FinancialData
    sessions: TaskStore<GatewaySession>
  }) {
    this.#clock = deps.clock
    this.#fixtures = deps.fixtures
    this.#customers = deps.customers
    this.#authorisations = deps.authorisations
    this.#consents = deps.consents
    this.#data = deps.data
    this.#sessions = deps.sessions
  }

  /** Retrieve Authorisation Gateway URL: a new session; its page's path. */
  create (clientId: string, ref: CustomerRef, request: GatewayRequest): { session: GatewaySession, path: string } {
    const nowMs = this.#clock.nowMs()
    const customer = this.#customers.resolve(ref, nowMs)
    checkRedirectUrl('redirect_url', request.redirectUrl)
    const providers = request.providers ?? undefined
    for (const [i, name] of (providers ?? []).entries()) {
      if (!this.#fixtures.providers.has(name)) throw validationError({ [`providers[${i}]`]: `"${name.slice(0, 64)}" is not a provider; Retrieve OB Providers lists them` })
    }
    if (providers !== undefined && providers.length > 0 && providers.every((name) => inMaintenance(this.#fixtures.providers.get(name)!, nowMs))) {
      throw new BudError(ERRORS.gatewayProvidersInMaintenance, { providers: 'Every provider named is in maintenance' })
    }
    const types = request.providerTypes ?? undefined
    for (const [i, type] of (types ?? []).entries()) {
      if (!(PROVIDER_TYPES as readonly string[]).includes(type)) throw validationError({ [`provider_types[${i}]`]: `This value should be one of ${PROVIDER_TYPES.join(', ')}` })
    }
    const initialScreen = request.initialScreen ?? (request.reconfirmConsent === true ? 'reconfirm_consent' : 'connect_accounts')
    const session = this.#sessions.add((taskId) => ({
      taskId,
      clientId,
      customerId: customer.customerId,
      redirectUrl: request.redirectUrl,
      providers: providers?.length === 0 ? undefined : providers,
      providerTypes: types?.length === 0 ? undefined : types,
      initialScreen,
      startedAtMs: nowMs,
      expiresAtMs: nowMs + GATEWAY_LINK_MS
    }), nowMs)
    return { session, path: GATEWAY_PAGE_PATH + session.taskId }
  }

  /** The session a link names, while it is valid. */
  /** Whether this world made the Bud Connect link. */
  holds (sessionId: string): boolean {
    return this.#sessions.get(sessionId.toLowerCase()) !== undefined
  }

  open (sessionId: string): GatewaySession {
    const session = this.#sessions.get(sessionId.toLowerCase())
    if (session === undefined) throw new BudError(ERRORS.gatewayLinkNotFound)
    if (this.#clock.nowMs() >= session.expiresAtMs) throw new BudError(ERRORS.gatewayLinkExpired)
    this.#customerOf(session)
    return session
  }

  /**
   * What the link shows first (or `screen`, when the customer moves on):
   * a redirect to the bank when only one provider is offered, else a screen.
   */
  screen (session: GatewaySession, screen: InitialScreen = session.initialScreen): Screen | { redirect: string } {
    const customer = this.#customerOf(session)
    if (screen === 'connect_accounts') {
      const providers = this.providersOf(session)
      if (session.providers?.length === 1 && providers.length === 1) return { redirect: this.choose(session, providers[0]!.name) }
      return { kind: 'providers', session, providers }
    }
    if (screen === 'reconfirm_consent') return { kind: 'reconfirm', session, consents: this.#consents.current(customer) }
    const active = this.#consents.list(customer, 'active')
    if (screen === 'revoke_consent') return { kind: 'revoke', session, consents: active }
    return { kind: 'summary', session, consents: active, accounts: this.#data.accounts(customer).filter((a) => active.some((c) => c.provider === a.connection.provider)) }
  }

  /** The providers the session offers: those it names, or all of the types it names, not in maintenance. */
  providersOf (session: GatewaySession): Provider[] {
    const nowMs = this.#clock.nowMs()
    const all = [...this.#fixtures.providers.values()]
    const named = session.providers === undefined ? all : session.providers.map((name) => this.#fixtures.providers.get(name)!)
    return named.filter((p) => !inMaintenance(p, nowMs) && (session.providerTypes === undefined || p.types.some((t) => session.providerTypes!.includes(t))))
  }

  /** The customer picks a provider: an authorisation that comes back to Bud Connect; the bank's page path. */
  choose (session: GatewaySession, provider: string, consentId?: string): string {
    if (!this.providersOf(session).some((p) => p.name === provider) && consentId === undefined) {
      throw validationError({ provider: 'This provider is not offered by this link' })
    }
    const task = this.#authorisations.initiate({
      clientId: session.clientId,
      customer: { customerId: session.customerId },
      provider,
      returnTo: { kind: 'gateway', redirectUrl: session.redirectUrl },
      consentId
    })
    return bankPagePath(task)
  }

  /** Reconfirm a consent: back to the client when it is extended, else to the bank to re-authenticate it. */
  reconfirm (session: GatewaySession, consentId: string): string {
    const customer = this.#customerOf(session)
    const connection = this.#consents.connectionOf(customer, consentId)
    if (connection === undefined) throw validationError({ consent_id: 'The customer has no such consent' })
    const { reconnectRequired } = this.#consents.reconfirm(session.clientId, { customerId: customer.customerId }, consentId)
    if (!reconnectRequired) return withParams(session.redirectUrl, { status: 'success' })
    return this.choose(session, connection.provider, consentId)
  }

  /** Revoke a provider's consents, then back to the client. */
  revoke (session: GatewaySession, provider: string): string {
    const task = this.#consents.revoke(session.clientId, { customerId: session.customerId }, provider)
    return withParams(session.redirectUrl, { status: task.found ? 'success' : 'failure' })
  }

  /** The customer is done: back to the client. */
  done (session: GatewaySession): string {
    return withParams(session.redirectUrl, { status: 'success' })
  }

  #customerOf (session: GatewaySession): Customer {
    const customer = this.#customers.get(session.customerId)
    if (customer === undefined) throw new BudError(ERRORS.gatewayLinkNotFound)
    return customer
  }
}
