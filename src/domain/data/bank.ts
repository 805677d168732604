// The bank's side of a connection: its accounts and their transaction
// history. A generated history is a pure function of (account seed, day): the
// same customer, provider and day give the same transactions — ids, times,
// amounts, descriptions — in every process, and nothing is kept per
// transaction. What the fixtures give outright, or a test adds at the bank,
// is kept as entries beside it. Card payments show as pending first and are
// booked a day or two later under a new transaction id.
import { createHash } from 'node:crypto'
import { uniformInt } from 'pure-rand/distribution/uniformInt'
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus'
import { BUSINESS_NAMES, HOLDER_NAMES, plainKind, PROFILE_ACCOUNTS, type AccountPlan, type Kind, type ProfileName } from './profiles.js'

export const DAY_MS = 24 * 60 * 60 * 1000
const HOUR_MS = 60 * 60 * 1000
/** The longest a generated card payment stays pending: it is booked at 02:00 one or two days after the day it was made. */
export const MAX_PENDING_DAYS = 3

/** One transaction at the bank, in both its versions: pending (card payments, until booked) and booked. */
export interface Entry {
  accountId: string
  provider: string
  dateMs: number
  amountPence: number
  kind: Kind
  /** When the bank first shows it: when it was made, or when a test added it. */
  existsFromMs: number
  /** When it is booked; pending before. Undefined: booked from the start; Infinity: pending for good. */
  bookedAtMs: number | undefined
  pendingId: string | undefined
  bookedId: string
  currency: string
}

export interface BankAccount {
  accountId: string
  provider: string
  /** Generated accounts only: the seed of its days. */
  seed: number
  plan: AccountPlan | undefined
  accountType: string
  accountName: string
  usageType: string
  accountCategory: string
  currency: string
  holders: string[]
  sortCode: string
  accountNumber: string
  openingDateMs: number
  /** The booked balance at the bank at the connection's first pull (the anchor). */
  anchorBalancePence: number
  /** Each recurring payment's amount, fixed for the account. */
  recurringPence: number[]
}

/** An account a fixture gives outright. */
export interface GivenAccount {
  accountId?: string | undefined
  accountType?: string | undefined
  accountName?: string | undefined
  usageType?: string | undefined
  currency?: string | undefined
  holders?: string[] | undefined
  sortCode?: string | undefined
  accountNumber?: string | undefined
  /** Booked balance at the connection's first pull. */
  balancePence: number
}

/** A transaction a fixture gives outright or a test adds at the bank. */
export interface GivenTransaction {
  transactionId?: string | undefined
  /** An account id, or undefined for the connection's first account. */
  accountId?: string | undefined
  description: string
  amountPence: number
  currency?: string | undefined
  credit: boolean
  dateMs: number
  status: 'booked' | 'pending'
}

/** How a connection's bank is made: from a profile, or from accounts and transactions given outright. */
export type BankSeed = { profile: ProfileName } | { accounts: GivenAccount[], transactions: GivenTransaction[] }

/** Generated banks whose accounts are kept made, most recent last: the rest are made again when read. */
const MAX_BANKS_KEPT = 4096
const madeAccounts = new Map<Bank, readonly BankAccount[]>()
const NO_ENTRIES: readonly Entry[] = []

/**
 * A connection's bank. A generated bank keeps only what it is made from:
 * its accounts are made again when read (a few microseconds) and kept for
 * the most recently read banks only, so a customer costs little however
 * many there are.
 */
export class Bank {
  readonly #customerId: string
  readonly #provider: string
  readonly #seed: BankSeed
  readonly #anchorMs: number
  readonly #given: readonly BankAccount[] | undefined
  /** Given or added transactions, in the order they came; replaced, never changed in place. */
  extra: readonly Entry[] = NO_ENTRIES
  /** How many transactions were added at run time: the next added one's id is made from it. */
  added = 0

  constructor (customerId: string, provider: string, seed: BankSeed, anchorMs: number, given?: readonly BankAccount[]) {
    this.#customerId = customerId
    this.#provider = provider
    this.#seed = seed
    this.#anchorMs = anchorMs
    this.#given = given
  }

  get accounts (): readonly BankAccount[] {
    if (this.#given !== undefined) return this.#given
    let made = madeAccounts.get(this)
    if (made === undefined) {
      const profile = 'profile' in this.#seed ? this.#seed.profile : 'empty'
      made = PROFILE_ACCOUNTS[profile].map((plan, index) => generatedAccount(this.#customerId, this.#provider, plan, index, this.#anchorMs))
      if (madeAccounts.size >= MAX_BANKS_KEPT) madeAccounts.delete(madeAccounts.keys().next().value!)
      madeAccounts.set(this, made)
    }
    return made
  }
}

/** At most this many transactions are given outright to one connection by the fixtures. */
export const MAX_GIVEN_TRANSACTIONS = 10_000
/** At most this many transactions are added at one bank at run time; past it the oldest additions go. */
export const MAX_ADDED_TRANSACTIONS = 1000

function digest (text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

const hexId = (bytes: Buffer) => bytes.subarray(0, 16).toString('hex')

/** A UK sort code and account number from a digest's last eight bytes. */
function ukIdentifiers (bytes: Buffer): { sortCode: string, accountNumber: string } {
  return {
    sortCode: String(bytes.readUInt32BE(24) % 1_000_000).padStart(6, '0'),
    accountNumber: String(bytes.readUInt32BE(28) % 100_000_000).padStart(8, '0')
  }
}

const between = (rng: ReturnType<typeof xoroshiro128plus>, range: readonly [number, number]) => range[0] === range[1] ? range[0] : uniformInt(rng, range[0], range[1])

/** The bank of one connection, as of its first pull (`anchorMs`): the accounts it holds and the history it starts with. */
export function openBank (customerId: string, provider: string, seed: BankSeed, anchorMs: number): Bank {
  if ('profile' in seed) return new Bank(customerId, provider, seed, anchorMs)
  const accounts = seed.accounts.map((given, index): BankAccount => {
    const bytes = digest(`${customerId}\n${provider}\n${index}`)
    return {
      accountId: given.accountId ?? hexId(bytes),
      provider,
      seed: 0,
      plan: undefined,
      accountType: given.accountType ?? 'current_account',
      accountName: given.accountName ?? 'Current Account',
      usageType: given.usageType ?? 'personal',
      accountCategory: 'depository',
      currency: given.currency ?? 'GBP',
      holders: given.holders ?? [HOLDER_NAMES[bytes[20]! % HOLDER_NAMES.length]!],
      sortCode: given.sortCode ?? ukIdentifiers(bytes).sortCode,
      accountNumber: given.accountNumber ?? ukIdentifiers(bytes).accountNumber,
      openingDateMs: anchorMs - (365 + (bytes[30]! % 5) * 365) * DAY_MS,
      anchorBalancePence: given.balancePence,
      recurringPence: []
    }
  })
  const bank = new Bank(customerId, provider, seed, anchorMs, accounts)
  bank.extra = seed.transactions.map((given, index) => givenEntry(bank, given, -Infinity, `${customerId}\n${provider}\ngiven\n${index}`))
  return bank
}

function generatedAccount (customerId: string, provider: string, plan: AccountPlan, index: number, anchorMs: number): BankAccount {
  const bytes = digest(`${customerId}\n${provider}\n${index}`)
  const seed = bytes.readInt32BE(16)
  const rng = xoroshiro128plus(seed)
  const business = plan.usageType === 'business'
  return {
    accountId: hexId(bytes),
    provider,
    seed,
    plan,
    accountType: plan.accountType,
    accountName: plan.accountName,
    usageType: plan.usageType,
    accountCategory: plan.accountCategory,
    currency: 'GBP',
    holders: [business ? BUSINESS_NAMES[bytes[20]! % BUSINESS_NAMES.length]! : HOLDER_NAMES[bytes[20]! % HOLDER_NAMES.length]!],
    ...ukIdentifiers(bytes),
    openingDateMs: Math.floor(anchorMs / DAY_MS - 400 - between(rng, [0, 2500])) * DAY_MS,
    anchorBalancePence: between(rng, plan.openingPence),
    recurringPence: plan.recurring.map((r) => between(rng, r.amountPence))
  }
}

/** Makes an entry for a transaction given by a fixture (existing from the start) or added by a test at `existsFromMs`. */
export function givenEntry (bank: Bank, given: GivenTransaction, existsFromMs: number, idSeed: string): Entry {
  const account = bank.accounts.find((a) => a.accountId === given.accountId) ?? bank.accounts[0]!
  const bytes = digest(idSeed)
  const id = given.transactionId ?? hexId(bytes)
  const pending = given.status === 'pending'
  return {
    accountId: account.accountId,
    provider: account.provider,
    dateMs: given.dateMs,
    amountPence: given.amountPence,
    kind: plainKind(given.description, given.credit),
    existsFromMs,
    bookedAtMs: pending ? Infinity : undefined,
    pendingId: pending ? id : undefined,
    bookedId: id,
    currency: given.currency ?? account.currency
  }
}

/** Adds transactions at the bank at `nowMs` (the admin control); ids follow from the bank and the count added before. */
export function addAtBank (bank: Bank, customerId: string, provider: string, transactions: GivenTransaction[], nowMs: number): Entry[] {
  const made = transactions.map((given) => givenEntry(bank, given, nowMs, `${customerId}\n${provider}\nadded\n${bank.added++}`))
  bank.extra = [...bank.extra, ...made]
  const added = bank.extra.filter((e) => e.existsFromMs !== -Infinity)
  if (added.length > MAX_ADDED_TRANSACTIONS) {
    const drop = new Set(added.slice(0, added.length - MAX_ADDED_TRANSACTIONS))
    bank.extra = bank.extra.filter((e) => !drop.has(e))
  }
  return made
}

// A transaction id: the generator's next 128 bits as 32 hex digits, written out in one call.
const idBytes = Buffer.alloc(16)
function newHexId (rng: ReturnType<typeof xoroshiro128plus>): string {
  for (let at = 0; at < 16; at += 4) idBytes.writeInt32BE(rng.next(), at)
  return idBytes.toString('hex')
}

/** The transactions a generated account makes on UTC day `day` (days since 1970), in the order made. */
export function generatedOn (account: BankAccount, day: number): Entry[] {
  const plan = account.plan
  if (plan === undefined) return []
  const startMs = day * DAY_MS
  // Nothing before the account was opened.
  if (startMs < account.openingDateMs) return []
  const rng = xoroshiro128plus((account.seed ^ Math.imul(day + 1, 0x9e3779b1)) | 0)
  const date = new Date(startMs)
  const monthDay = date.getUTCDate()
  const weekday = date.getUTCDay()
  const month = date.getUTCMonth() + 1
  const out: Entry[] = []
  plan.recurring.forEach((rule, i) => {
    const due = rule.monthDay !== undefined ? rule.monthDay === monthDay : rule.weekday === weekday
    if (!due || (rule.months !== undefined && !rule.months.includes(month))) return
    const dateMs = startMs + (6 + i % 3) * HOUR_MS
    out.push({ accountId: account.accountId, provider: account.provider, dateMs, amountPence: account.recurringPence[i]!, kind: rule, existsFromMs: dateMs, bookedAtMs: undefined, pendingId: undefined, bookedId: newHexId(rng), currency: account.currency })
  })
  const count = between(rng, plan.spendingPerDay)
  if (count > 0) {
    const total = plan.spending.reduce((sum, s) => sum + s.weight, 0)
    for (let n = 0; n < count; n++) {
      let pick = uniformInt(rng, 0, total - 1)
      const kind = plan.spending.find((s) => (pick -= s.weight) < 0)!
      const dateMs = startMs + uniformInt(rng, 7 * 3600, 22 * 3600) * 1000
      const bookedAtMs = (day + uniformInt(rng, 1, 2)) * DAY_MS + 2 * HOUR_MS
      out.push({ accountId: account.accountId, provider: account.provider, dateMs, amountPence: between(rng, kind.amountPence), kind, existsFromMs: dateMs, bookedAtMs, pendingId: newHexId(rng), bookedId: newHexId(rng), currency: account.currency })
    }
  }
  return out
}

/** Every transaction the bank holds dated on `day`, across its accounts: generated, given and added. */
export function entriesOn (bank: Bank, day: number): Entry[] {
  let out: Entry[] | undefined
  for (const account of bank.accounts) {
    const made = generatedOn(account, day)
    if (made.length > 0) out = out === undefined ? made : out.concat(made)
  }
  const startMs = day * DAY_MS
  for (const entry of bank.extra) {
    if (entry.dateMs >= startMs && entry.dateMs < startMs + DAY_MS) (out ??= []).push(entry)
  }
  return out ?? []
}

/** When an entry moves the booked balance: when booked, and not before the bank shows it. */
export function bookedTime (entry: Entry): number {
  return entry.bookedAtMs ?? Math.max(entry.dateMs, entry.existsFromMs)
}

const signed = (entry: Entry) => entry.kind.credit ? entry.amountPence : -entry.amountPence

/** The days whose entries can be booked within (fromMs, toMs]. */
function daysBooking (fromMs: number, toMs: number): [number, number] {
  return [Math.floor(fromMs / DAY_MS) - MAX_PENDING_DAYS, Math.floor(toMs / DAY_MS)]
}

/**
 * The account's booked and pending (booked plus pending) balances at the bank
 * at each of `times`, from its balance at the anchor and the transactions
 * between: one pass over the days they span, then a binary search per time
 * over running sums, so a thousand points over years cost little more than
 * one. Booked at t: the anchor's balance plus what was booked in (anchor, t],
 * less what was booked in (t, anchor]. Pending at t: what the bank shows by t
 * and books after it.
 */
export function balancesAt (bank: Bank, account: BankAccount, anchorMs: number, times: readonly number[]): { bookedPence: number, pendingPence: number }[] {
  if (times.length === 0) return []
  const lo = Math.min(anchorMs, ...times)
  const hi = Math.max(anchorMs, ...times)
  // Every entry of the account that can matter.
  const relevant: Entry[] = []
  const [firstDay, lastDay] = daysBooking(lo, hi)
  if (account.plan !== undefined) {
    for (let day = firstDay; day <= lastDay; day++) relevant.push(...generatedOn(account, day))
  }
  for (const entry of bank.extra) if (entry.accountId === account.accountId) relevant.push(entry)
  const booked = new RunningSums(relevant.map((e) => [bookedTime(e), signed(e)]))
  // An entry is pending from when the bank shows it until it is booked: [shown, booked).
  const pendingOnes = relevant.filter((e) => Math.max(e.dateMs, e.existsFromMs) < bookedTime(e))
  const shown = new RunningSums(pendingOnes.map((e) => [Math.max(e.dateMs, e.existsFromMs), signed(e)]))
  const bookedAfterShown = new RunningSums(pendingOnes.map((e) => [bookedTime(e), signed(e)]))
  const atAnchor = booked.upTo(anchorMs)
  return times.map((t) => {
    const bookedPence = account.anchorBalancePence + booked.upTo(t) - atAnchor
    return { bookedPence, pendingPence: bookedPence + shown.upTo(t) - bookedAfterShown.upTo(t) }
  })
}

/** Amounts by instant, summed up to any instant in O(log n). */
class RunningSums {
  readonly #at: Float64Array
  readonly #sums: Float64Array

  constructor (points: [number, number][]) {
    points.sort((a, b) => a[0] - b[0])
    this.#at = Float64Array.from(points, (p) => p[0])
    this.#sums = new Float64Array(points.length)
    let sum = 0
    points.forEach((p, i) => { sum += p[1]; this.#sums[i] = sum })
  }

  /** The sum of the amounts at instants ≤ t. */
  upTo (t: number): number {
    let low = 0
    let high = this.#at.length
    while (low < high) {
      const mid = (low + high) >>> 1
      if (this.#at[mid]! <= t) low = mid + 1
      else high = mid
    }
    return low === 0 ? 0 : this.#sums[low - 1]!
  }
}
