// Integration checks: the sandbox watches each client's requests on the
// sandbox clock and records a finding each time one strays from Bud's
// guidance (poll no sooner than next_url_delay, wait for a refresh to
// complete before reading or refreshing again, reconnect after
// reconnect_required, keep a token until it expires, send
// X-Customer-Ip-Address only for a customer's own device, acknowledge
// webhooks). Checks say what a request would break before it acts; notes
// record what it did. Most of what the rules need is the domain's own state:
// a client's newest refresh of each provider (the dedupe's), the consent's
// record, and, on each task, when its client last read it. What is kept here
// per client (tokens, addresses, findings) is bounded. Knows nothing of HTTP.
import type { Clock } from '../clock.js'
import type { WatchSettings } from '../world.js'
import { budConsentStatus, type CustomerDirectory, type CustomerRef } from '../customers.js'
import { anyNewestOf } from '../newest-tasks.js'
import { endsAt } from '../scenarios.js'
import type { Customer, Polled, Task } from '../records.js'

const DOCS = 'https://docs.thisisbud.com'

/** Each rule: what Bud advises instead, and the page of Bud's documentation it comes from. */
export const RULES = {
  poll_too_soon: {
    advice: 'A task\'s status was read again before the next_url_delay it advertises (in milliseconds) had passed since the last read. Bud asks clients to wait that long between polls.',
    source: `${DOCS}/reference/open_banking_refresh_get`
  },
  poll_after_completion: {
    advice: 'A task\'s status was read again after this client had seen it end (Completed or Failed). Poll until completion, then stop.',
    source: `${DOCS}/reference/open_banking_refresh_get`
  },
  read_during_refresh: {
    advice: 'The customer\'s data was read while a refresh this client started for the customer was still pending. Bud: check the refresh\'s status till completion before trying to access the customer\'s data.',
    source: `${DOCS}/reference/open_banking_refresh_post`
  },
  refresh_while_pending: {
    advice: 'A refresh was started while one this client started for the same customer and provider was still pending. Bud: check its status till completion before initiating another refresh.',
    source: `${DOCS}/reference/open_banking_refresh_post`
  },
  refresh_after_reconnect_required: {
    advice: 'A connection was refreshed again after a refresh of it ended with reconnect_required: true, before the customer reconnected. The consent is revoked or expired: send the customer through the connect journey (re-authenticate the consent) instead.',
    source: `${DOCS}/docs/consents`
  },
  token_per_request: {
    advice: 'New access tokens were taken again and again while earlier ones were still valid. A token lasts expires_in seconds: keep it, and take a new one (or use the refresh token) when it expires.',
    source: `${DOCS}/docs/authentication`
  },
  shared_customer_ip: {
    advice: 'One X-Customer-Ip-Address was sent for refreshes of several customers: a server\'s address, not a customer\'s device. Send it only when the customer started the refresh from their own device, never from an automated process.',
    source: `${DOCS}/reference/open_banking_refresh_post`
  },
  webhook_not_acknowledged: {
    advice: 'Your webhook endpoint failed a delivery (a non-2xx answer, a timeout or a refused connection) after its retries. Answer 200 to accept a webhook; Bud stops retrying after a few attempts.',
    source: `${DOCS}/reference/open_banking_refresh_post`
  }
} as const
export type Rule = keyof typeof RULES
export const RULE_NAMES = Object.keys(RULES) as Rule[]

/** The request at fault, as a finding names it. */
export interface Example {
  requestId: string
  method: string
  path: string
  customerId: string | null
  atMs: number
}

export interface Finding {
  rule: Rule
  count: number
  firstAtMs: number
  lastAtMs: number
  /** The latest requests at fault, oldest first. */
  examples: Example[]
}

export const DEFAULT_WATCH_SETTINGS: WatchSettings = { tokensPerHour: 5, sharedIpCustomers: 3 }

/** Clients watched at once; one more forgets the one watched longest ago. */
export const MAX_WATCHED_CLIENTS = 1000
/** X-Customer-Ip-Address values kept per client; the oldest go first. */
export const MAX_ADDRESSES = 1000
/** Examples kept per finding. */
export const MAX_EXAMPLES = 10
const HOUR_MS = 60 * 60 * 1000

export interface ClientWatch {
  /** When each recent token was issued, oldest first. */
  tokens: number[]
  /** By X-Customer-Ip-Address: the customers refreshed with it (up to the threshold). */
  addresses: Map<string, Set<string>>
  findings: Map<Rule, Finding>
  /** When each rule was last logged for this client. */
  loggedAtMs: Map<Rule, number>
}

/** Keeps a bounded map's newest entries: setting one more drops the oldest. */
function keep<K, V> (map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key)
  map.set(key, value)
  if (map.size > max) map.delete(map.keys().next().value!)
}

export class IntegrationWatch {
  readonly #clock: Clock
  readonly #customers: CustomerDirectory
  readonly #settings: WatchSettings
  #clients = new Map<string, ClientWatch>()

  constructor (deps: { clock: Clock, customers: CustomerDirectory, settings?: WatchSettings | undefined }) {
    this.#clock = deps.clock
    this.#customers = deps.customers
    this.#settings = deps.settings ?? DEFAULT_WATCH_SETTINGS
  }

  // Checks: what a request would break, before it acts. They change nothing.

  /** The task's status is read by its client, which was told to wait `delayMs` between reads. */
  checkStatusRead (task: Polled, delayMs: number): Rule[] {
    if (task.endSeen === true) return [POLL_AFTER_COMPLETION]
    return this.#clock.nowMs() - (task.polledAtMs ?? task.startedAtMs) < delayMs ? [POLL_TOO_SOON] : NONE
  }

  /** The customer's data is read: is a refresh this client started for them pending? */
  checkDataRead (clientId: string, customer: Customer): Rule[] {
    const nowMs = this.#clock.nowMs()
    return anyNewestOf(customer.newest, clientId, (task) => task.kind === 'refresh' && nowMs < endOf(task)) ? [READ_DURING_REFRESH] : NONE
  }

  /**
   * A refresh of these providers (undefined: every consent Bud holds as
   * authorised, as V2 refreshes then) is asked for: is this client's newest
   * refresh of one still pending, or did it end with reconnect_required while
   * Bud's record of the consent is still revoked (the customer has not
   * reconnected)? And is the address shared?
   */
  checkRefresh (clientId: string, ref: CustomerRef, providers: readonly string[] | undefined, customerIp: string | undefined): Rule[] {
    const customer = this.#customers.lookup(ref)
    const customerId = customer?.customerId ?? ('customerId' in ref ? ref.customerId.toLowerCase() : undefined)
    let rules = NONE
    if (customer !== undefined && customer.newest !== undefined) {
      const nowMs = this.#clock.nowMs()
      const asked = providers ?? this.#customers.authorisedConnections(customer, nowMs).map((c) => c.provider)
      for (const provider of asked) {
        const newest = this.#customers.newestTask(customer, clientId, provider)
        if (newest === undefined) continue
        if (nowMs < endOf(newest)) rules = added(rules, REFRESH_WHILE_PENDING)
        else if (newest.scenario.reconnectRequired && newest.connection !== undefined && budConsentStatus(newest.connection, nowMs) === 'revoked') rules = added(rules, REFRESH_AFTER_RECONNECT_REQUIRED)
      }
    }
    if (customerIp !== undefined && customerId !== undefined) {
      const customers = this.#clients.get(clientId)?.addresses.get(customerIp)
      if (customers !== undefined && !customers.has(customerId) && customers.size + 1 >= this.#settings.sharedIpCustomers) rules = added(rules, SHARED_CUSTOMER_IP)
    }
    return rules
  }

  /** A new access token is asked for. */
  checkToken (clientId: string): Rule[] {
    const tokens = this.#clients.get(clientId)?.tokens
    if (tokens === undefined) return NONE
    const since = this.#clock.nowMs() - HOUR_MS
    let recent = 0
    for (const at of tokens) if (at > since) recent++
    return recent >= this.#settings.tokensPerHour ? [TOKEN_PER_REQUEST] : NONE
  }

  // Notes: what a request did.

  /** The task was answered to its client (made, deduplicated, or its status read): the next read is due a delay from now. */
  noteAnswered (task: Polled, ended: boolean): void {
    task.polledAtMs = this.#clock.nowMs()
    task.endSeen = ended
  }

  /** A refresh was asked for with an X-Customer-Ip-Address. */
  noteAddress (clientId: string, customerId: string, customerIp: string): void {
    const addresses = this.#watch(clientId).addresses
    const customers = addresses.get(customerIp) ?? new Set<string>()
    if (customers.size < this.#settings.sharedIpCustomers) customers.add(customerId)
    keep(addresses, customerIp, customers, MAX_ADDRESSES)
  }

  /** A new access token was issued. */
  noteToken (clientId: string): void {
    const tokens = this.#watch(clientId).tokens
    tokens.push(this.#clock.nowMs())
    if (tokens.length > this.#settings.tokensPerHour + 1) tokens.shift()
  }

  // Findings.

  /**
   * Records the rules the request `at` broke; returns those not logged for
   * this client within the hour (to be logged now). Once a finding has its
   * 10 examples, the oldest example object is reused for the newest: a client
   * that keeps breaking a rule makes no garbage for it.
   */
  record (clientId: string, rules: readonly Rule[], at: Example): Rule[] {
    const watch = this.#watch(clientId)
    let toLog = NONE
    for (const rule of rules) {
      let finding = watch.findings.get(rule)
      if (finding === undefined) {
        finding = { rule, count: 0, firstAtMs: at.atMs, lastAtMs: at.atMs, examples: [] }
        watch.findings.set(rule, finding)
      }
      finding.count++
      finding.lastAtMs = at.atMs
      const examples = finding.examples
      if (examples.length < MAX_EXAMPLES) examples.push({ ...at })
      else {
        const reused = examples.shift()!
        reused.requestId = at.requestId
        reused.method = at.method
        reused.path = at.path
        reused.customerId = at.customerId
        reused.atMs = at.atMs
        examples.push(reused)
      }
      const logged = watch.loggedAtMs.get(rule)
      if (logged === undefined || at.atMs - logged >= HOUR_MS) {
        watch.loggedAtMs.set(rule, at.atMs)
        toLog = added(toLog, rule)
      }
    }
    return toLog
  }

  /** The client's findings, in the order of RULES. */
  findings (clientId: string): Finding[] {
    const found = this.#clients.get(clientId)?.findings
    if (found === undefined) return []
    return RULE_NAMES.flatMap((rule) => found.get(rule) ?? [])
  }

  clear (): void {
    this.#clients = new Map()
  }

  /** What the checks have seen of each client (a snapshot's). */
  snapshot (): Map<string, ClientWatch> {
    return this.#clients
  }

  restore (kept: Map<string, ClientWatch>): void {
    this.#clients = kept
  }

  #watch (clientId: string): ClientWatch {
    let watch = this.#clients.get(clientId)
    if (watch === undefined) {
      watch = { tokens: [], addresses: new Map(), findings: new Map(), loggedAtMs: new Map() }
      keep(this.#clients, clientId, watch, MAX_WATCHED_CLIENTS)
    }
    return watch
  }
}

const NONE: Rule[] = []
const POLL_TOO_SOON: Rule = 'poll_too_soon'
const POLL_AFTER_COMPLETION: Rule = 'poll_after_completion'
const READ_DURING_REFRESH: Rule = 'read_during_refresh'
const REFRESH_WHILE_PENDING: Rule = 'refresh_while_pending'
const REFRESH_AFTER_RECONNECT_REQUIRED: Rule = 'refresh_after_reconnect_required'
const TOKEN_PER_REQUEST: Rule = 'token_per_request'
const SHARED_CUSTOMER_IP: Rule = 'shared_customer_ip'

/** `rules` with `rule` too: a new array, so that NONE is never changed. */
const endOf = (task: Task) => endsAt(task.scenario, task.startedAtMs, task.stepMs)

function added (rules: Rule[], rule: Rule): Rule[] {
  return rules.includes(rule) ? rules : [...rules, rule]
}
