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
import { fnv, hash32, kindOf, lifeOf, plansFor, spread, type AccountPlan, type Occasional, type SpendingRule } from './life.js'
import { ABROAD, merchant, type Abroad } from './merchants.js'
import { addressIn, TOWNS, type Address, type Town } from './places.js'
import { enrichFromText, merchantInfo, type Kind, type ProfileName, type Regular } from './profiles.js'
import { dateOf, monthOf, weekdayOf } from './calendar.js'
import { dueOn } from './schedule.js'
import { styleOf, write, type Said, type StyleName } from './styles.js'

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
  /** For a regular payment, its group and when it comes. */
  regular?: Regular | undefined
  /** The raw description, as this bank writes it. */
  description: string
  /** Where and how a card payment was made, when the raw text says. */
  detail: Detail | undefined
  /** When the bank first shows it: when it was made, or when a test added it. */
  existsFromMs: number
  /** When it is booked; pending before. Undefined: booked from the start; Infinity: pending for good. */
  bookedAtMs: number | undefined
  pendingId: string | undefined
  bookedId: string
  currency: string
}

/** Where a card payment was made, as Bud's location enrichment reads it: a store (its number, if the text has one) in a UK town, or a town abroad. */
export type Detail = { town: Town, store: string | undefined } | { abroad: Abroad }

/** Where Bud places a card payment: its address, and the words of the raw text that name the place. */
export interface Location {
  address: Address & { country: string }
  tokens: readonly string[]
}

/** The address Bud finds for a card payment, and the words of the raw text that name the place; made when shown. */
export function locationOf (detail: Detail, kind: Kind): Location {
  if ('abroad' in detail) {
    const a = detail.abroad
    return { address: { streetAddress: '', city: a.city, region: a.region, postalCode: '', latitude: a.latitude, longitude: a.longitude, country: a.country }, tokens: [a.city.toLowerCase()] }
  }
  const { town, store } = detail
  // hash32(`${name}\n${store}\n${city}`), hashed piece by piece rather than made into one text for each payment shown.
  const seed = spread(fnv(town.city, fnv('\n', fnv(store ?? '', fnv('\n', fnv(kind.merchant?.slug ?? kind.suggested))))))
  return { address: { ...addressIn(town, seed), country: 'GB' }, tokens: [town.city.toLowerCase(), 'gb'] }
}

export interface BankAccount {
  accountId: string
  provider: string
  /** Generated accounts only: the seed of its days. */
  seed: number
  plan: AccountPlan | undefined
  /** How the bank writes descriptions. */
  style: StyleName
  /** The last four digits of the account's card, as some banks write them. */
  card: string
  /** An arranged overdraft's or a card's limit, in pence. */
  creditLimitPence: number | undefined
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
export type BankSeed = GeneratedSeed | { accounts: GivenAccount[], transactions: GivenTransaction[] }

/**
 * A generated bank: its profile, and its place among the customer's
 * connections of that profile (0, the default, for the first: it holds the
 * salary and the bills; see life.ts).
 */
export interface GeneratedSeed {
  profile: ProfileName
  ordinal?: number
}

/**
 * A connection's bank: plain data, kept as it is with the state (a snapshot
 * holds it whole). A generated bank keeps only what it is made from: its
 * accounts are made again when read (accountsOf) and kept made for the most
 * recently read banks only, so a customer costs little however many there are.
 */
export interface Bank {
  customerId: string
  provider: string
  seed: BankSeed
  /** The connection's first pull: the bank's balances are known from there. */
  anchorMs: number
  /** The accounts a fixture gives outright; undefined for a generated bank. */
  given: readonly BankAccount[] | undefined
  /** Given or added transactions, in the order they came; replaced, never changed in place. */
  extra: readonly Entry[]
  /** How many transactions were added at run time: the next added one's id is made from it. */
  added: number
}

/**
 * Generated banks whose accounts are kept made, most recent last: the rest
 * are made again when read (a few hundred microseconds). An account's plan —
 * its rules, stores and shops — weighs some 50 KB, so few are kept.
 */
const MAX_BANKS_KEPT = 8
// The banks holding their made accounts, and those accounts, in a ring: the
// oldest is dropped when a new one comes. Not a Map: churning a Map's
// entries left the dropped plans reachable long enough for the collector to
// move them to the old generation (docs/performance.md).
const keptBanks: (Bank | undefined)[] = new Array(MAX_BANKS_KEPT).fill(undefined)
const keptAccounts: (readonly BankAccount[] | undefined)[] = new Array(MAX_BANKS_KEPT).fill(undefined)
let nextKept = 0
const NO_ENTRIES: readonly Entry[] = []

/** The bank's accounts: given, or made (again) from its seed. */
export function accountsOf (bank: Bank): readonly BankAccount[] {
  if (bank.given !== undefined) return bank.given
  for (let i = 0; i < MAX_BANKS_KEPT; i++) if (keptBanks[i] === bank) return keptAccounts[i]!
  const { profile, ordinal } = 'profile' in bank.seed ? bank.seed : { profile: 'empty' as const, ordinal: 0 }
  const made = plansFor(bank.customerId, bank.provider, profile, ordinal ?? 0).map((plan) => generatedAccount(bank.customerId, bank.provider, plan, bank.anchorMs))
  keptBanks[nextKept] = bank
  keptAccounts[nextKept] = made
  nextKept = (nextKept + 1) % MAX_BANKS_KEPT
  return made
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
  if ('profile' in seed) return { customerId, provider, seed, anchorMs, given: undefined, extra: NO_ENTRIES, added: 0 }
  const holder = lifeOf(customerId).holder
  const accounts = seed.accounts.map((given, index): BankAccount => {
    const bytes = digest(`${customerId}\n${provider}\n${index}`)
    return {
      accountId: given.accountId ?? hexId(bytes),
      provider,
      seed: 0,
      plan: undefined,
      style: styleOf(provider),
      card: cardDigits(bytes),
      creditLimitPence: undefined,
      accountType: given.accountType ?? 'current_account',
      accountName: given.accountName ?? 'Current Account',
      usageType: given.usageType ?? 'personal',
      accountCategory: given.accountType === 'credit_card' ? 'credit' : 'depository',
      currency: given.currency ?? 'GBP',
      holders: given.holders ?? [holder],
      sortCode: given.sortCode ?? ukIdentifiers(bytes).sortCode,
      accountNumber: given.accountNumber ?? ukIdentifiers(bytes).accountNumber,
      openingDateMs: anchorMs - (365 + (bytes[30]! % 5) * 365) * DAY_MS,
      anchorBalancePence: given.balancePence
    }
  })
  const bank: Bank = { customerId, provider, seed, anchorMs, given: accounts, extra: NO_ENTRIES, added: 0 }
  bank.extra = seed.transactions.map((given, index) => givenEntry(bank, given, -Infinity, `${customerId}\n${provider}\ngiven\n${index}`))
  return bank
}

const cardDigits = (bytes: Buffer) => String(bytes.readUInt16BE(22) % 9000 + 1000)

function generatedAccount (customerId: string, provider: string, plan: AccountPlan, anchorMs: number): BankAccount {
  const bytes = digest(`${customerId}\n${provider}\n${plan.index}`)
  const seed = bytes.readInt32BE(16)
  const rng = xoroshiro128plus(seed)
  const life = lifeOf(customerId)
  const identifiers = ukIdentifiers(bytes)
  return {
    accountId: hexId(bytes),
    provider,
    seed,
    plan,
    style: styleOf(provider),
    card: cardDigits(bytes),
    creditLimitPence: plan.creditLimitPence,
    accountType: plan.accountType,
    accountName: plan.accountName,
    usageType: plan.usageType,
    accountCategory: plan.accountCategory,
    currency: 'GBP',
    holders: [plan.usageType === 'business' ? `${life.holder.split(' ')[1]} ${BUSINESS_SUFFIXES[bytes[20]! % BUSINESS_SUFFIXES.length]}` : life.holder],
    sortCode: identifiers.sortCode,
    accountNumber: identifiers.accountNumber,
    openingDateMs: Math.floor(anchorMs / DAY_MS - 400 - between(rng, [0, 2500])) * DAY_MS,
    anchorBalancePence: between(rng, plan.openingPence)
  }
}

const BUSINESS_SUFFIXES = ['Joinery', 'Plumbing & Heating', 'Electrical', 'Decorating', 'Landscapes', 'Design Studio'] as const

/** Makes an entry for a transaction given by a fixture (existing from the start) or added by a test at `existsFromMs`, enriched from its description. */
export function givenEntry (bank: Bank, given: GivenTransaction, existsFromMs: number, idSeed: string): Entry {
  const account = accountsOf(bank).find((a) => a.accountId === given.accountId) ?? accountsOf(bank)[0]!
  const bytes = digest(idSeed)
  const id = given.transactionId ?? hexId(bytes)
  const pending = given.status === 'pending'
  return {
    accountId: account.accountId,
    provider: account.provider,
    dateMs: given.dateMs,
    amountPence: given.amountPence,
    kind: enrichFromText(given.description, given.credit),
    description: given.description,
    detail: undefined,
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

/**
 * Appends to `out` the transactions a generated account makes on UTC day
 * `day` (days since 1970), in the order made. The caller's array, not one of
 * its own: a read visits a hundred account-days, and an array made for each
 * is what V8 once pretenured, filling the old generation with dead arrays
 * (docs/performance.md).
 */
export function generatedOn (account: BankAccount, day: number, out: Entry[]): void {
  const plan = account.plan
  if (plan === undefined) return
  const startMs = day * DAY_MS
  // Nothing before the account was opened.
  if (startMs < account.openingDateMs) return
  const rng = xoroshiro128plus((account.seed ^ Math.imul(day + 1, 0x9e3779b1)) | 0)
  const made = (dateMs: number, amountPence: number, kind: Kind, said: Said, detail?: Detail, bookedAtMs?: number, regular?: Regular): void => {
    out.push({
      regular,
      accountId: account.accountId,
      provider: account.provider,
      dateMs,
      amountPence,
      kind,
      description: write(account.style, said, account.card),
      detail,
      existsFromMs: dateMs,
      bookedAtMs,
      pendingId: bookedAtMs === undefined ? undefined : newHexId(rng),
      bookedId: newHexId(rng),
      currency: account.currency
    })
  }
  for (const rule of plan.recurring) {
    if (!dueOn(rule.schedule, day)) continue
    made(startMs + rule.hour * HOUR_MS + rule.minute * 60_000, rule.pence(day), rule.kind, rule.said(day), undefined, undefined, rule.regular)
  }
  const weekend = weekdayOf(day) % 6 === 0
  const count = between(rng, [plan.spendingPerDay[0], plan.spendingPerDay[1] + (weekend ? 1 : 0)])
  if (count > 0 && plan.spending.length > 0) {
    const { home, away, homeWeights, holidayMonth } = plan
    const homeWeight = homeWeights.length === 0 ? 0 : homeWeights[homeWeights.length - 1]!
    const onHoliday = monthOf(day).month === holidayMonth && dateOf(day) >= 10 && dateOf(day) < 17
    for (let n = 0; n < count; n++) {
      let rule: SpendingRule
      if (onHoliday && away.length > 0 && uniformInt(rng, 0, 1) === 0) {
        rule = away[uniformInt(rng, 0, away.length - 1)]!
      } else {
        const pick = uniformInt(rng, 0, homeWeight - 1)
        let i = 0
        while (i < homeWeights.length && homeWeights[i]! <= pick) i++
        rule = home[i] ?? home[0]!
      }
      const dateMs = startMs + uniformInt(rng, 7 * 3600, 22 * 3600) * 1000
      const bookedAtMs = (day + uniformInt(rng, 1, 2)) * DAY_MS + 2 * HOUR_MS
      cardPayment(rng, plan, rule, day, dateMs, bookedAtMs, made)
    }
  }
  for (const event of plan.occasional) {
    if (uniformInt(rng, 0, 999) < event.perMille) occasional(rng, account, plan, event, day, made)
  }
}

/** Whose account it is: the customer id is part of every generated account's plan. */
const customerOf = (account: BankAccount) => account.plan?.customerId ?? ''

type Made = (dateMs: number, amountPence: number, kind: Kind, said: Said, detail?: Detail, bookedAtMs?: number) => void
type Rng = ReturnType<typeof xoroshiro128plus>

/** An amount between the two, spread as prices are: more small ones than large. */
function priced (rng: Rng, [lo, hi]: readonly [number, number]): number {
  if (lo >= hi) return lo
  const u = uniformInt(rng, 0, 1_000_000) / 1_000_000
  return Math.round(lo * Math.exp(u * Math.log(hi / lo)))
}

const WHICH = ['\n0', '\n1', '\n2'] as const
const ELSEWHERE = ['elsewhere\n0', 'elsewhere\n1', 'elsewhere\n2'] as const

function cardPayment (rng: Rng, plan: AccountPlan, rule: SpendingRule, day: number, dateMs: number, bookedAtMs: number, made: Made): void {
  const pence = priced(rng, rule.pence)
  // The usual store most days, the other one near home now and then, one elsewhere now and again.
  const roll = uniformInt(rng, 0, 9)
  const which = roll < 7 ? 0 : roll < 9 ? 1 : 2
  const { town: home, prefix } = plan
  // hash32(`${customerId}\n${rule.raw}\n${which}`) and hash32(`${customerId}\nelsewhere\n${which}`), from the customer's prefix.
  const number = rule.where === 'stores' ? String(100 + spread(fnv(WHICH[which]!, fnv(rule.raw, prefix))) % 8900) : undefined
  const town = rule.where === 'online' ? undefined : which < 2 || rule.where === 'home' ? home : TOWNS[spread(fnv(ELSEWHERE[which]!, prefix)) % TOWNS.length]!
  const abroad = rule.abroad ? ABROAD.get(rule.kind.merchant!.slug) : undefined
  const rate = 1.1 + uniformInt(rng, 0, 1200) / 10_000
  const fx = abroad === undefined ? undefined : { amount: (pence * rate / 100).toFixed(2), currency: abroad.currency, rate: rate.toFixed(4) }
  const said: Said = { type: 'card', raw: rule.raw, store: number, town: abroad?.city ?? town?.city, country: abroad?.country ?? 'GB', day, processor: rule.processor, fx }
  const detail: Detail | undefined = abroad !== undefined ? { abroad } : town !== undefined ? { town, store: number } : undefined
  made(dateMs, pence, rule.kind, said, detail, bookedAtMs)
}

function occasional (rng: Rng, account: BankAccount, plan: AccountPlan, event: Occasional, day: number, made: Made): void {
  const at = (day * 24 + uniformInt(rng, 8, 20)) * HOUR_MS + uniformInt(rng, 0, 59) * 60_000
  const town = plan.town.city
  switch (event.type) {
    case 'atm':
      made(at, uniformInt(rng, 1, 10) * 1000, kindOf('atm_withdrawal', 'CPT', false, 'Cash withdrawal', { tags: [] }), { type: 'atm', town, day })
      return
    case 'refund': {
      const shops = plan.spending.filter((s) => s.kind.merchant !== undefined && !s.abroad)
      if (shops.length === 0) return
      const rule = shops[uniformInt(rng, 0, shops.length - 1)]!
      const m = rule.kind.merchant!
      made(at, priced(rng, rule.pence), kindOf('refunds', 'DEB', true, m.displayName, { merchant: m, mcc: rule.kind.mcc }), { type: 'refund', raw: rule.raw, day })
      return
    }
    case 'gambling_win': {
      const m = merchant('bet365')
      made(at, priced(rng, [1_000, 25_000]), kindOf('gambling', 'BAT', true, m.displayName, { merchant: merchantInfo(m), tags: [] }), { type: 'faster_payment_in', name: m.raw, reference: 'WITHDRAWAL' })
      return
    }
    case 'payday_loan': {
      const m = merchant(['lending_stream', 'drafty', 'quidmarket'][uniformInt(rng, 0, 2)]!)
      made(at, uniformInt(rng, 10, 40) * 1000, kindOf('payday_loans', 'BAT', true, m.displayName, { merchant: merchantInfo(m) }), { type: 'faster_payment_in', name: m.raw, reference: 'LOAN' })
      return
    }
    case 'returned_direct_debit': {
      // A direct debit the account could not pay: taken, returned the same day, and a fee.
      const life = lifeOf(customerOf(account))
      const m = life.energy
      const pence = priced(rng, [4_000, 12_000])
      const ref = String(hash32(`${customerOf(account)}\n${m.slug}\nref`) % 1e8).padStart(8, '0')
      made(day * DAY_MS + 6 * HOUR_MS, pence, kindOf(m.l2, 'DD', false, m.displayName, { merchant: merchantInfo(m), mcc: m.mcc }), { type: 'direct_debit', payee: m.raw, reference: ref })
      made(day * DAY_MS + 15 * HOUR_MS, pence, kindOf(m.l2, 'DD', true, `Returned: ${m.displayName}`, { merchant: merchantInfo(m), mcc: m.mcc, tags: [] }), { type: 'returned_direct_debit', payee: m.raw, reference: ref })
      made(day * DAY_MS + 16 * HOUR_MS, 600, kindOf('returned_payment_fees', 'CHG', false, 'Returned direct debit fee'), { type: 'bank', text: 'UNPAID ITEM FEE' })
      return
    }
    case 'transfer_from_friend': {
      const name = ['J SMITH', 'S PATEL', 'M JONES', 'A KHAN', 'R TAYLOR'][uniformInt(rng, 0, 4)]!
      const reason = ['DINNER', 'TICKETS', 'TAXI', 'DRINKS', 'BILLS'][uniformInt(rng, 0, 4)]!
      made(at, uniformInt(rng, 8, 60) * 100, kindOf('other_income', 'BAT', true, name.replace(/\b\w+/g, (w) => w[0] + w.slice(1).toLowerCase()), { names: [name.toLowerCase()], sure: false }), { type: 'faster_payment_in', name, reference: reason })
    }
  }
}

/**
 * Every transaction the bank holds dated on `day`, across its accounts
 * (generated, given and added), appended to `out`: a walk over days passes
 * one array it empties each day.
 */
export function entriesOn (bank: Bank, day: number, out: Entry[] = []): Entry[] {
  for (const account of accountsOf(bank)) generatedOn(account, day, out)
  return givenOn(bank, day, out)
}

/** Appends to `out` the bank's transactions on UTC day `day` that fixtures gave or a test added (not the generated ones). */
export function givenOn (bank: Bank, day: number, out: Entry[] = []): Entry[] {
  const startMs = day * DAY_MS
  for (const entry of bank.extra) {
    if (entry.dateMs >= startMs && entry.dateMs < startMs + DAY_MS) out.push(entry)
  }
  return out
}

/** From this instant on, every generated transaction of UTC day `day` exists and is booked: the bank shows it as it will always be. */
export const settledFromMs = (day: number): number => (day + MAX_PENDING_DAYS) * DAY_MS

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
    for (let day = firstDay; day <= lastDay; day++) generatedOn(account, day, relevant)
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
