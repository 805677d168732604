// The customer's financial data as Bud's data operations read it: accounts
// with balances and transaction windows, transactions in pages, balances over
// time, transaction dates; and what changes it — a refresh's pull when it
// completes on the sandbox clock, a test adding transactions at the bank, the
// removal of a provider's data. Knows nothing of HTTP.
import { DateTime, Duration } from 'luxon'
import type { Clock } from '../clock.js'
import type { CustomerDirectory } from '../customers.js'
import { BudError, ERRORS, validationError } from '../errors.js'
import { endsAt } from '../scenarios.js'
import { accountsOf, addAtBank, balancesAt, DAY_MS, entriesOn, type BankAccount, type Entry, type GivenTransaction } from './bank.js'
import { applyPull, held, lastPullAt, openData, removeAll, transactionWindows, type ConnectionData, type Held, type Pull } from './bud-copy.js'
import type { Connection, Customer, Task } from '../records.js'

/** One account as Bud holds it: the bank's account, with Bud's latest balances and windows. */
export interface HeldAccount {
  account: BankAccount
  connection: Connection
  /** When Bud's balances are from: its latest pull. */
  balanceAtMs: number
  bookedPence: number
  pendingPence: number
  windows: Pull[]
}

export interface TransactionQuery {
  dateFromMs?: number | undefined
  dateToMs?: number | undefined
  accountIds?: readonly string[] | undefined
  statuses?: readonly ('booked' | 'pending')[] | undefined
  credit?: boolean | undefined
  categoryL1?: string | undefined
  categoryL2?: string | undefined
  merchant?: string | undefined
  /** Only transactions with one of these tags, and none of those. */
  includeTags?: readonly string[] | undefined
  excludeTags?: readonly string[] | undefined
  updatedAfterMs?: number | undefined
  pageSize: number
  /** Where the previous page ended; absent for the first page. */
  after?: PagePosition | undefined
}

/** Where a page ended, and the state of Bud's copy the walk reads (see page tokens in the README). */
export interface PagePosition {
  asOfMs: number
  generation: number
  dateMs: number
  transactionId: string
}

export type HeldTransaction = Held

export interface TransactionPage {
  transactions: HeldTransaction[]
  /** Pending transactions replaced by their booked version after `updatedAfterMs`. */
  deleted: { transactionId: string, atMs: number }[]
  next: PagePosition | undefined
}

/** How far apart balances over time are, in calendar terms. */
export const GRANULARITIES = { daily: { days: 1 }, weekly: { weeks: 1 }, biweekly: { weeks: 2 }, monthly: { months: 1 }, quarterly: { months: 3 }, six_monthly: { months: 6 }, annually: { years: 1 } } as const
export type Granularity = keyof typeof GRANULARITIES

export interface BalancePoint {
  atMs: number
  bookedPence: number
  pendingPence: number
}

export interface AccountBalances {
  held: HeldAccount
  points: BalancePoint[]
}

/** Bud answers at most this many balance points in one response. */
export const MAX_BALANCE_POINTS = 5000

const byNewest = (a: HeldTransaction, b: HeldTransaction) =>
  b.entry.dateMs - a.entry.dateMs || (a.transactionId < b.transactionId ? 1 : a.transactionId > b.transactionId ? -1 : 0)

/** True when `t` comes after the position in newest-first order. */
const after = (t: HeldTransaction, p: PagePosition) => t.entry.dateMs < p.dateMs || (t.entry.dateMs === p.dateMs && t.transactionId < p.transactionId)

export class FinancialData {
  readonly #clock: Clock
  readonly #customers: CustomerDirectory

  constructor (deps: { clock: Clock, customers: CustomerDirectory }) {
    this.#clock = deps.clock
    this.#customers = deps.customers
  }

  /** A refresh of `connection` has started: its pull goes into Bud's copy when it completes. */
  track (connection: Connection, task: Task): void {
    // Most connections have one refresh under way: the task itself, no array.
    const waiting = connection.waiting
    if (waiting === undefined) connection.waiting = task
    else if (Array.isArray(waiting)) waiting.push(task)
    else connection.waiting = [waiting, task]
  }

  /** A connection made by a customer connecting: Bud holds nothing of it until its connect task's pull lands. */
  startEmpty (customerId: string, connection: Connection): void {
    const data = openData(customerId, connection.provider, connection.bank, connection.lastPullAtMs)
    removeAll(data)
    connection.data = data
  }

  /** Whether a refresh that succeeded stored transactions Bud did not hold (its pull applied if it has ended). */
  newTransactions (task: Task, nowMs: number): boolean {
    const connection = task.connection
    if (connection === undefined) return false
    if (task.newTransactions === undefined) this.dataOf(task.customerId, connection, nowMs)
    return task.newTransactions ?? false
  }

  /** Bud's copy of a connection as of `nowMs`: every refresh of it that has ended by then is in it, in the order they ended. */
  dataOf (customerId: string, connection: Connection, nowMs: number): ConnectionData {
    const data = connection.data ??= openData(customerId, connection.provider, connection.bank, connection.lastPullAtMs)
    const waiting = connection.waiting
    if (waiting === undefined) return data
    const tasks = Array.isArray(waiting) ? waiting : [waiting]
    const endOf = (task: Task) => endsAt(task.scenario, task.startedAtMs, task.stepMs)
    const ended = tasks.filter((task) => endOf(task) <= nowMs)
    if (ended.length === 0) return data
    ended.sort((a, b) => endOf(a) - endOf(b))
    // Only refreshes that will succeed are tracked (RefreshService); a bank with no new activity
    // (success_no_new_transactions) brings nothing.
    for (const task of ended) task.newTransactions = task.scenario.hasNewTransactions && applyPull(data, { fromMs: task.windowFromMs, toMs: task.windowToMs, atMs: endOf(task) })
    const left = tasks.filter((task) => endOf(task) > nowMs)
    connection.waiting = left.length === 0 ? undefined : left.length === 1 ? left[0] : left
    return data
  }

  /** The accounts of every provider Bud holds data of, with their latest balances. */
  accounts (customer: Customer, nowMs: number = this.#clock.nowMs()): HeldAccount[] {
    const out: HeldAccount[] = []
    for (const connection of this.#customers.connections(customer)) {
      const data = this.dataOf(customer.customerId, connection, nowMs)
      const atMs = lastPullAt(data)
      if (atMs === undefined) continue
      const windows = transactionWindows(data)
      for (const account of accountsOf(data.bank)) {
        const [balance] = balancesAt(data.bank, account, data.anchorMs, [atMs])
        out.push({ account, connection, balanceAtMs: atMs, bookedPence: balance!.bookedPence, pendingPence: balance!.pendingPence, windows })
      }
    }
    return out
  }

  account (customer: Customer, accountId: string, nowMs: number = this.#clock.nowMs()): HeldAccount {
    const found = this.accounts(customer, nowMs).find((a) => a.account.accountId === accountId)
    if (found === undefined) throw new BudError(ERRORS.accountNotFound)
    return found
  }

  /** Each account's first and last transaction in Bud's copy; accounts without one are left out. */
  transactionDates (customer: Customer, nowMs: number = this.#clock.nowMs()): { accountId: string, firstMs: number, lastMs: number }[] {
    const dates = new Map<string, { accountId: string, firstMs: number, lastMs: number }>()
    this.#walk(customer, nowMs, Infinity, -Infinity, (t) => {
      const known = dates.get(t.entry.accountId)
      if (known === undefined) dates.set(t.entry.accountId, { accountId: t.entry.accountId, firstMs: t.entry.dateMs, lastMs: t.entry.dateMs })
      else known.firstMs = Math.min(known.firstMs, t.entry.dateMs)
      return true
    })
    const order = this.accounts(customer, nowMs).map((a) => a.account.accountId)
    return order.flatMap((id) => dates.get(id) ?? [])
  }

  /** One page of the customer's transactions, newest first, read from the state of Bud's copy the walk started on. */
  transactions (customer: Customer, query: TransactionQuery, nowMs: number = this.#clock.nowMs()): TransactionPage {
    const position = query.after
    if (position !== undefined && (position.asOfMs > nowMs || position.generation !== this.#generation(customer, nowMs))) {
      throw validationError({ page_token: 'This page token is no longer valid: the customer\'s data changed since the first page (a provider\'s data was removed). Start again from the first page' })
    }
    // A walk reads Bud's copy as of its newest pull when it started: the token says only what changed it.
    const asOfMs = position?.asOfMs ?? this.#newestPull(customer, nowMs) ?? nowMs
    const newestMs = Math.min(query.dateToMs ?? Infinity, position?.dateMs ?? Infinity)
    const oldestMs = query.dateFromMs ?? -Infinity
    const page: HeldTransaction[] = []
    const accountIds = query.accountIds === undefined ? undefined : new Set(query.accountIds)
    const statuses = query.statuses === undefined || query.statuses.length === 0 ? undefined : new Set(query.statuses)
    const deleted: TransactionPage['deleted'] = []
    let more = false
    this.#walk(customer, asOfMs, newestMs, oldestMs, (t) => {
      if (position !== undefined && !after(t, position)) return true
      if (accountIds !== undefined && !accountIds.has(t.entry.accountId)) return true
      if (query.updatedAfterMs !== undefined) {
        if (t.replaced !== undefined && t.replaced.atMs > query.updatedAfterMs) deleted.push(t.replaced)
        if (t.updatedAtMs <= query.updatedAfterMs) return true
      }
      if (!matches(t, query, statuses)) return true
      if (page.length === query.pageSize) {
        more = true
        return false
      }
      page.push(t)
      return true
    })
    const last = page[page.length - 1]
    return {
      transactions: page,
      deleted,
      next: more && last !== undefined
        ? { asOfMs, generation: this.#generation(customer, nowMs), dateMs: last.entry.dateMs, transactionId: last.transactionId }
        : undefined
    }
  }

  /**
   * Balances over time: for each account, the booked and pending balances at
   * the end of each period (`granularity`) from `toMs` back to `fromMs`,
   * newest first, bounded by the account's transaction windows and its latest
   * balance.
   */
  balances (customer: Customer, request: { accountId?: string | undefined, fromMs?: number | undefined, toMs?: number | undefined, granularity: Granularity }, nowMs: number = this.#clock.nowMs()): AccountBalances[] {
    const accounts = request.accountId === undefined ? this.accounts(customer, nowMs) : [this.account(customer, request.accountId, nowMs)]
    let budget = MAX_BALANCE_POINTS
    return accounts.map((heldAccount) => {
      const oldestWindow = heldAccount.windows[0]?.fromMs
      if (oldestWindow === undefined) return { held: heldAccount, points: [] }
      const latestMs = Math.min(request.toMs ?? heldAccount.balanceAtMs, heldAccount.balanceAtMs)
      const earliestMs = Math.max(request.fromMs ?? oldestWindow, oldestWindow)
      const times: number[] = []
      // Each point is the end of a day (23:59:59) — the latest one Bud's balance itself —
      // stepping back a calendar period at a time.
      const step = GRANULARITIES[request.granularity]
      const lastDay = DateTime.fromMillis(latestMs, { zone: 'utc' }).endOf('day').set({ millisecond: 0 })
      for (let n = 0; budget > 0; n++) {
        const endOfDay = Math.min(lastDay.minus(Duration.fromObject(step).mapUnits((x) => x * n)).toMillis(), heldAccount.balanceAtMs)
        if (endOfDay < earliestMs) break
        times.push(endOfDay)
        budget--
      }
      times.reverse()
      const data = heldAccount.connection.data!
      const values = balancesAt(data.bank, heldAccount.account, data.anchorMs, times)
      const points = times.map((atMs, i) => ({ atMs, ...values[i]! })).reverse()
      return { held: heldAccount, points }
    })
  }

  /** Adds transactions at the bank of the customer's connection to `provider`; they reach Bud's copy with a refresh whose window covers them. */
  addAtBank (customer: Customer, provider: string, transactions: GivenTransaction[], nowMs: number = this.#clock.nowMs()) {
    const connection = this.#customers.connection(customer, provider)
    if (connection === undefined) throw new BudError(ERRORS.adminConnectionNotFound)
    const data = this.dataOf(customer.customerId, connection, nowMs)
    for (const [i, t] of transactions.entries()) {
      if (t.dateMs > nowMs) throw validationError({ [`transactions.${i}.date_time`]: 'This value should not be in the future: the bank shows what has happened' })
      if (t.accountId !== undefined && !accountsOf(data.bank).some((a) => a.accountId === t.accountId)) {
        throw validationError({ [`transactions.${i}.account_id`]: `No account with this id at ${provider.slice(0, 64)}; its accounts are ${accountsOf(data.bank).map((a) => a.accountId).join(', ')}` })
      }
    }
    return addAtBank(data.bank, customer.customerId, provider, transactions, nowMs)
  }

  /** Remove Provider Data: Bud forgets the provider's accounts and transactions for this customer; a later refresh brings its window back. */
  removeProvider (customer: Customer, provider: string, nowMs: number = this.#clock.nowMs()): void {
    const connection = this.#customers.connections(customer).find((c) => c.provider === provider)
    if (connection === undefined) return
    removeAll(this.dataOf(customer.customerId, connection, nowMs))
  }

  /** The account ids a refresh updated: the connection's accounts, once it succeeded. */
  accountIdsOf (task: Task, nowMs: number = this.#clock.nowMs()): string[] {
    if (task.connection === undefined || task.scenario.result !== 'success') return []
    return this.accountIdsOfConnection(task.customerId, task.connection, nowMs)
  }

  /** The ids of the connection's accounts at the bank. */
  accountIdsOfConnection (customerId: string, connection: Connection, nowMs: number = this.#clock.nowMs()): string[] {
    return accountsOf(this.dataOf(customerId, connection, nowMs).bank).map((a) => a.accountId)
  }

  /**
   * What the customer's data is as of `nowMs`, as a short text that changes
   * whenever Bud's copy does (a pull landed, data removed, pulls merged, a
   * connection added or started again): answers made from one version are
   * the same bytes for the same request.
   */
  version (customer: Customer, nowMs: number = this.#clock.nowMs()): string {
    let version = ''
    for (const connection of this.#customers.connections(customer)) version += `${this.dataOf(customer.customerId, connection, nowMs).changeId}.`
    return version
  }

  #newestPull (customer: Customer, nowMs: number): number | undefined {
    let newest: number | undefined
    for (const connection of this.#customers.connections(customer)) {
      const at = lastPullAt(this.dataOf(customer.customerId, connection, nowMs))
      if (at !== undefined) newest = Math.max(newest ?? at, at)
    }
    return newest
  }

  #generation (customer: Customer, nowMs: number): number {
    let sum = 0
    for (const connection of this.#customers.connections(customer)) sum += this.dataOf(customer.customerId, connection, nowMs).generation
    return sum
  }

  /**
   * Visits what Bud holds of the customer's transactions dated within
   * [oldestMs, newestMs], newest first, as of `asOfMs`, day by day, until
   * `visit` returns false. Nothing is kept between calls.
   */
  #walk (customer: Customer, asOfMs: number, newestMs: number, oldestMs: number, visit: (t: HeldTransaction) => boolean): void {
    const sources = this.#customers.connections(customer).map((connection) => this.dataOf(customer.customerId, connection, asOfMs))
    let firstDay = Infinity
    let lastDay = -Infinity
    for (const data of sources) {
      for (const pull of data.pulls) {
        if (pull.atMs > asOfMs) continue
        firstDay = Math.min(firstDay, Math.floor(pull.fromMs / DAY_MS))
        lastDay = Math.max(lastDay, Math.floor(pull.toMs / DAY_MS))
      }
    }
    firstDay = Math.max(firstDay, Math.floor(oldestMs / DAY_MS))
    lastDay = Math.min(lastDay, Math.floor(newestMs / DAY_MS))
    // One array for the day's entries and one for what Bud holds of them, emptied each day.
    const entries: Entry[] = []
    const found: HeldTransaction[] = []
    for (let day = lastDay; day >= firstDay; day--) {
      found.length = 0
      for (const data of sources) {
        entries.length = 0
        for (const entry of entriesOn(data.bank, day, entries)) {
          if (entry.dateMs > newestMs || entry.dateMs < oldestMs) continue
          const copy = held(data, entry, asOfMs)
          if (copy !== undefined) found.push(copy)
        }
      }
      found.sort(byNewest)
      for (const t of found) if (!visit(t)) return
    }
  }
}

function matches (t: HeldTransaction, query: TransactionQuery, statuses: Set<string> | undefined): boolean {
  if (statuses !== undefined && !statuses.has(t.pending ? 'pending' : 'booked')) return false
  const kind = t.entry.kind
  if (query.credit !== undefined && kind.credit !== query.credit) return false
  // Pending transactions carry no enrichments, as at Bud: a category or merchant filter leaves them out.
  if (t.pending && (query.categoryL1 !== undefined || query.categoryL2 !== undefined || query.merchant !== undefined)) return false
  if (query.categoryL1 !== undefined && kind.l1 !== query.categoryL1) return false
  if (query.categoryL2 !== undefined && kind.l2 !== query.categoryL2) return false
  if (query.merchant !== undefined && kind.merchant?.slug !== query.merchant.toLowerCase()) return false
  if (query.includeTags !== undefined || query.excludeTags !== undefined) {
    const tags = tagsOf(t)
    if (query.includeTags !== undefined && !query.includeTags.some((tag) => tags.includes(tag))) return false
    if (query.excludeTags !== undefined && query.excludeTags.some((tag) => tags.includes(tag))) return false
  }
  return true
}

/** Bud's tags of a transaction as Bud holds it: a pending one is `pending`, and has no others until it is enriched. */
export function tagsOf (t: HeldTransaction): readonly string[] {
  return t.pending ? PENDING_TAGS : t.entry.kind.tags
}
const PENDING_TAGS = ['pending'] as const
