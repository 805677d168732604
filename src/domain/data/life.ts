// One customer's financial life, and the accounts each of its connections
// holds of it. The life is a pure function of the customer id: who they
// are, where they live, who pays them, their housing, bills, subscriptions
// and the shops they use. A connection's profile and its place among the
// customer's connections of that profile (its ordinal) say which part of
// the life its bank sees: the first holds the salary, the housing and the
// bills, and sends a monthly transfer to the customer's account elsewhere,
// which the second connection, when there is one, receives on the same day
// for the same amount. Each bill, subscription and salary is paid once.
import { uniformInt } from 'pure-rand/distribution/uniformInt'
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus'
import { monthOf } from './calendar.js'
import { INDEPENDENTS, l1Of, merchant, merchantsIn, type L2, type Merchant } from './merchants.js'
import { TOWNS, type Town } from './places.js'
import { merchantInfo, tagsFor, type BudCode, type Kind, type ProfileName, type Regular } from './profiles.js'
import { monthly, type Schedule } from './schedule.js'
import type { Said } from './styles.js'

type Rng = ReturnType<typeof xoroshiro128plus>
const between = (rng: Rng, lo: number, hi: number) => lo >= hi ? lo : uniformInt(rng, lo, hi)
const pick = <T>(rng: Rng, list: readonly T[]): T => list[between(rng, 0, list.length - 1)]!
function pickSome<T> (rng: Rng, list: readonly T[], count: number): T[] {
  const left = [...list]
  const out: T[] = []
  while (out.length < count && left.length > 0) out.push(left.splice(between(rng, 0, left.length - 1), 1)[0]!)
  return out
}

/** A number from 0 to 2^32 - 1 made from the text, the same in every process: FNV-1a, then MurmurHash3's finaliser to spread its bits. */
export function hash32 (text: string): number {
  return spread(fnv(text))
}

/**
 * FNV-1a over `text`, carrying on from `h`: the hash of a text that starts
 * with a known prefix starts from the prefix's state (`spread(fnv(b, fnv(a)))`
 * is `hash32(a + b)`), so a card payment hashes its store's name, not a text
 * made with the customer's id each time.
 */
export function fnv (text: string, h = 0x811c9dc5): number {
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  return h
}

/** MurmurHash3's finaliser: the last step of hash32. */
export function spread (h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

/** A recurring payment of an account: what it is, when, how much and how the bank words it. */
export interface RecurringRule {
  key: string
  kind: Kind
  regular: Regular
  schedule: Schedule
  said: (day: number) => Said
  /** Its amount on `day`, in pence: fixed, seasonal, or drawn afresh each time. */
  pence: (day: number) => number
  hour: number
  /** Its minute past the hour: the same on both sides of a transfer. */
  minute: number
}

/** Where a card payment is made: a merchant (in one of the customer's usual stores, or online) or an independent shop through a card reader. */
export interface SpendingRule {
  kind: Kind
  raw: string
  weight: number
  pence: readonly [number, number]
  /**
   * Where it is paid: online; at one of the customer's usual stores of the
   * merchant (two near home, one elsewhere: store numbers and towns drawn
   * from the customer and the merchant when a payment is made); or at an
   * independent shop near home.
   */
  where: 'online' | 'stores' | 'home'
  /** The processor the raw text names, if any (PAYPAL, SUMUP…). */
  processor: string | undefined
  abroad: boolean
}

export interface AccountPlan {
  customerId: string
  /** The customer's home town, and FNV-1a's state after its id (Life's prefix): what a card payment reads for each payment, without looking the life up. */
  town: Town
  prefix: number
  /** The card spending at home and abroad, the running totals of the weights at home (in tenths: the last is the whole), and the month of the year's holiday abroad. */
  home: readonly SpendingRule[]
  away: readonly SpendingRule[]
  homeWeights: Uint16Array
  holidayMonth: number
  /** Which of the connection's accounts it is: part of its id's seed. */
  index: number
  accountType: string
  accountName: string
  usageType: 'personal' | 'business'
  accountCategory: string
  openingPence: readonly [number, number]
  /** An arranged overdraft or a card's limit: Bud's credit_lines. */
  creditLimitPence: number | undefined
  recurring: readonly RecurringRule[]
  spending: readonly SpendingRule[]
  /** Card payments a weekday, and a day at the weekend. */
  spendingPerDay: readonly [number, number]
  /** Cash, refunds, a holiday abroad, and each profile's own occasional events: 0 to 1 a day. */
  occasional: readonly Occasional[]
}

/** What a profile writes of an account; plansFor adds what follows from it. */
type Plan = Omit<AccountPlan, 'customerId' | 'town' | 'prefix' | 'home' | 'away' | 'homeWeights' | 'holidayMonth'>

/** A personal current or savings account unless it says otherwise, with the common occasional events. */
function account (fields: Pick<Plan, 'index' | 'accountType' | 'accountName' | 'openingPence' | 'recurring' | 'spending' | 'spendingPerDay'> & Partial<Plan>): Plan {
  return {
    index: fields.index,
    accountType: fields.accountType,
    accountName: fields.accountName,
    usageType: fields.usageType ?? 'personal',
    accountCategory: fields.accountCategory ?? 'depository',
    openingPence: fields.openingPence,
    creditLimitPence: fields.creditLimitPence,
    recurring: fields.recurring,
    spending: fields.spending,
    spendingPerDay: fields.spendingPerDay,
    occasional: fields.occasional ?? COMMON_OCCASIONAL
  }
}

/** An occasional event: on a day when `chance` in 1000 comes up. */
export interface Occasional {
  type: 'atm' | 'refund' | 'gambling_win' | 'payday_loan' | 'returned_direct_debit' | 'transfer_from_friend'
  perMille: number
}

export interface Life {
  customerId: string
  /** FNV-1a's state after the customer id and a newline: what the customer's hashes start from (see fnv). */
  prefix: number
  holder: string
  home: Town
  employer: { name: string, pay: readonly [number, number] }
  housing: { type: 'rent', payee: string } | { type: 'mortgage', payee: string }
  energy: Merchant
  water: Merchant
  mobile: Merchant
  broadband: Merchant
  insurance: Merchant
  subscriptions: readonly Merchant[]
  gym: Merchant | undefined
  charity: Merchant
  /** The customer's shops by category, as indices into each category's merchants (see shopsOf): the first of each the usual one. */
  shops: Uint8Array
  /** The month (1–12) of the year's holiday abroad. */
  holidayMonth: number
  abroad: Merchant[]
}

const FIRST = ['Amelia', 'Oliver', 'Isla', 'Noah', 'Ava', 'Leo', 'Freya', 'Arjun', 'Grace', 'Harry', 'Sophie', 'Jack', 'Priya', 'Mohammed', 'Emily', 'George', 'Zara', 'Thomas', 'Chloe', 'Daniel', 'Aisha', 'James', 'Megan', 'Kwame'] as const
const LAST = ['Clarke', 'Patel', 'Hughes', 'Edwards', 'Thompson', 'Walsh', 'Morgan', 'Shah', 'Okafor', 'Bennett', 'Jones', 'Williams', 'Taylor', 'Davies', 'Evans', 'Wilson', 'Khan', 'Roberts', 'Wright', 'Hall', 'Green', 'Lewis', 'Murphy', 'Kaur'] as const
const EMPLOYERS = [
  { name: 'ACME LOGISTICS LTD', pay: [210_000, 360_000] },
  { name: 'NORTHERN RAIL SERVICES', pay: [190_000, 310_000] },
  { name: 'BRIGHTWATER NHS TRUST', pay: [200_000, 340_000] },
  { name: 'KESTREL SOFTWARE LTD', pay: [280_000, 520_000] },
  { name: 'HARBOUR HOTELS GROUP', pay: [150_000, 240_000] },
  { name: 'CITY COUNCIL PAYROLL', pay: [180_000, 290_000] },
  { name: 'MERIDIAN INSURANCE PLC', pay: [240_000, 420_000] },
  { name: 'OAKWOOD ACADEMY TRUST', pay: [210_000, 330_000] }
] as const
const LANDLORDS = ['HOMELET RENT', 'FOXTONS LETTINGS', 'CONNELLS LETTINGS', 'MR J PRICE RENT', 'OPENRENT LTD', 'GRAINGER PLC'] as const
const LENDERS = ['NATIONWIDE BS MORTGAGE', 'HALIFAX MORTGAGE', 'SANTANDER MORTGAGE', 'NATWEST MORTGAGE', 'COVENTRY BS MORTGAGE'] as const
const SUBSCRIPTIONS = ['netflix', 'spotify', 'disney_plus', 'amazon_prime', 'apple_services', 'now_tv', 'audible', 'youtube_premium'] as const

// The categories a customer has usual shops in, and where each one's picks
// sit in a life's `shops`: three grocers, two of the rest (fewer where a
// category has fewer merchants). One small typed array a life, not an array
// a category: a life is kept a short while, and arrays that live that long
// are what V8 once chose to allocate straight into the old generation — 31
// arrays for each new customer, dead soon after (docs/performance.md).
const SHOP_SLOTS = new Map<L2, { at: number, count: number }>()
let SHOP_PICKS = 0
for (const l2 of ['groceries', 'convenience_stores', 'eating_out', 'coffee', 'takeaway', 'pubs_and_bars', 'public_transport', 'taxi', 'fuel', 'trains', 'general_merchandise', 'clothing', 'home_and_garden', 'diy', 'pharmacy', 'beauty', 'electronics', 'books', 'gifts', 'cinema', 'gaming', 'gambling', 'parking', 'sports_and_outdoors', 'hair_and_beauty', 'pets', 'department_stores', 'flights', 'hotels'] as const) {
  const count = Math.min(merchantsIn(l2).length, l2 === 'groceries' ? 3 : 2)
  SHOP_SLOTS.set(l2, { at: SHOP_PICKS, count })
  SHOP_PICKS += count
}

/** Draws `count` of `n` (≤ 256) indices into `into` from `at`, as pickSome draws items, in a scratch array rather than new ones. */
const left = new Uint8Array(256)
function pickInto (rng: Rng, n: number, count: number, into: Uint8Array, at: number): void {
  for (let i = 0; i < n; i++) left[i] = i
  for (let k = 0, length = n; k < count && length > 0; k++, length--) {
    const index = between(rng, 0, length - 1)
    into[at + k] = left[index]!
    left.copyWithin(index, index + 1, length)
  }
}

/** The running totals of the rules' weights, in tenths: a payment's rule is the first whose total passes a draw. */
function runningWeights (rules: readonly SpendingRule[]): Uint16Array {
  const totals = new Uint16Array(rules.length)
  let sum = 0
  rules.forEach((rule, i) => { totals[i] = sum += Math.round(rule.weight * 10) })
  return totals
}

/** The customer's usual shops in `l2`, the usual one first. */
function shopsOf (life: Life, l2: L2): Merchant[] {
  const slot = SHOP_SLOTS.get(l2)
  if (slot === undefined) return []
  const all = merchantsIn(l2)
  const out: Merchant[] = []
  for (let k = 0; k < slot.count; k++) out.push(all[life.shops[slot.at + k]!]!)
  return out
}

// The last few lives made, in a ring (not a Map, for the reason bank.ts keeps its banks in one).
const LIVES_KEPT = 8
const lives: (Life | undefined)[] = new Array(LIVES_KEPT).fill(undefined)
let nextLife = 0

/** The customer's life: the same in every process for the same customer id. */
export function lifeOf (customerId: string): Life {
  for (const kept of lives) if (kept?.customerId === customerId) return kept
  const rng = xoroshiro128plus(hash32(`life\n${customerId}`) | 0)
  const shops = new Uint8Array(SHOP_PICKS)
  for (const [l2, { at, count }] of SHOP_SLOTS) pickInto(rng, merchantsIn(l2).length, count, shops, at)
  const water = merchantsIn('water')
  const life: Life = {
    customerId,
    prefix: fnv(`${customerId}\n`),
    holder: `${pick(rng, FIRST)} ${pick(rng, LAST)}`,
    home: pick(rng, TOWNS),
    employer: pick(rng, EMPLOYERS),
    housing: between(rng, 0, 9) < 6 ? { type: 'rent', payee: pick(rng, LANDLORDS) } : { type: 'mortgage', payee: pick(rng, LENDERS) },
    energy: pick(rng, merchantsIn('energy')),
    water: pick(rng, water),
    mobile: pick(rng, merchantsIn('mobile_phone')),
    broadband: pick(rng, merchantsIn('tv_and_broadband')),
    insurance: pick(rng, merchantsIn('insurance')),
    subscriptions: pickSome(rng, SUBSCRIPTIONS, between(rng, 2, 4)).map(merchant),
    gym: between(rng, 0, 2) === 0 ? undefined : pick(rng, merchantsIn('gym')),
    charity: pick(rng, merchantsIn('donations')),
    shops,
    holidayMonth: between(rng, 5, 9),
    abroad: pickSome(rng, ['carrefour', 'fnac', 'mercadona', 'el_corte_ingles', 'albert_heijn'], 2).map(merchant)
  }
  lives[nextLife] = life
  nextLife = (nextLife + 1) % LIVES_KEPT
  return life
}

// — Kinds —

// Plans and kinds are built field by field, not with object spread: a GC
// trace of 20,000 new customers' banks promoted 18 % less to the old
// generation without it (docs/performance.md).
export function kindOf (l2: L2, budCode: BudCode, credit: boolean, suggested: string, fields: Partial<Kind> = {}): Kind {
  return {
    suggested: fields.suggested ?? suggested,
    budCode,
    credit,
    l1: l1Of(l2),
    l2,
    merchant: fields.merchant,
    mcc: fields.mcc,
    card: fields.card ?? false,
    tags: fields.tags ?? tagsFor(l2, credit),
    names: fields.names,
    sure: fields.sure ?? true
  }
}

function merchantKind (m: Merchant, budCode: BudCode, fields: Partial<Kind> = {}): Kind {
  return kindOf(m.l2, budCode, false, m.displayName, { merchant: merchantInfo(m), mcc: m.mcc, card: fields.card ?? budCode === 'DEB', tags: fields.tags === undefined ? undefined : tagsFor(m.l2, false, fields.tags) })
}

// A card payment at a merchant is the same Kind for every customer: made once, shared.
const cardKinds = new Map<string, Kind>()
function cardKind (m: Merchant, online: boolean): Kind {
  const key = `${m.slug}\n${online}`
  let kind = cardKinds.get(key)
  if (kind === undefined) cardKinds.set(key, kind = merchantKind(m, 'DEB', { card: true, tags: online ? ['online'] : [] }))
  return kind
}

/** An amount drawn afresh for each day, the same for the same key and day on both sides of a transfer. */
export function drawn (key: string, day: number, lo: number, hi: number): number {
  if (lo >= hi) return lo
  return lo + (hash32(`${key}\n${day}`) % (hi - lo + 1))
}

/** A bill that moves with the seasons: its base in winter, less in summer. */
const seasonal = (base: number) => (day: number) => {
  const month = monthOf(day).month - 1
  const warmth = Math.cos(((month - 0.5) / 12) * 2 * Math.PI) // 1 in January, −1 in July
  return Math.round(base * (0.8 + 0.2 * warmth))
}
const fixed = (pence: number) => () => pence

const reference = (life: Life, key: string, length = 8) => (hash32(`${life.customerId}\n${key}\nref`) % 10 ** length).toString().padStart(length, '0')
const initialAndSurname = (life: Life) => `${life.holder[0]} ${life.holder.split(' ')[1]!.toUpperCase()}`

// — Plans: the accounts a connection holds, by profile and ordinal —

interface Build {
  life: Life
  rng: Rng
  /** What names this plan's payments among every customer's: customer, bank and profile. */
  prefix: string
}

/**
 * A recurring payment. `key` names it within the customer's life — its
 * minute past the hour comes from it, so both sides of a transfer share
 * it — and `side` tells the two sides of a transfer apart: each is a group
 * of its own in its own account.
 */
function rule (b: Build, key: string, kind: Omit<Kind, 'tags'> & { tags?: readonly string[] }, schedule: Schedule, said: (day: number) => Said, pence: (day: number) => number, hour = 6, side = ''): RecurringRule {
  const regular = { schedule, group: `${b.prefix}${key}${side}` }
  return { key, kind: shared(kindOf(kind.l2, kind.budCode, kind.credit, kind.suggested, { merchant: kind.merchant, mcc: kind.mcc, card: kind.card, names: kind.names, sure: kind.sure, tags: tagsFor(kind.l2, kind.credit, ['regular-transaction', ...(kind.tags ?? [])]) })), regular, schedule, said, pence, hour, minute: hash32(key) % 60 }
}

// Kinds are shared by every customer whose payment is the same (most are:
// a merchant's direct debit, a salary from one of a few employers), so a
// plan holds references, not copies. Found by their suggested text (most are
// texts from the tables, whose hashes V8 keeps) and then field by field: no
// key is made for each of a plan's rules. Bounded: the lists they come from are.
const kinds = new Map<string, Kind[]>()
function shared (kind: Kind): Kind {
  let same = kinds.get(kind.suggested)
  if (same === undefined) {
    if (kinds.size >= 10_000) kinds.clear()
    kinds.set(kind.suggested, same = [])
  }
  for (const known of same) if (sameKind(known, kind)) return known
  same.push(kind)
  return kind
}

const sameList = (a: readonly string[] | undefined, b: readonly string[] | undefined) =>
  a === b || (a !== undefined && b !== undefined && a.length === b.length && a.every((x, i) => x === b[i]))
const sameKind = (a: Kind, b: Kind) =>
  a.l2 === b.l2 && a.budCode === b.budCode && a.credit === b.credit && a.merchant?.slug === b.merchant?.slug && a.mcc === b.mcc &&
  a.card === b.card && a.sure === b.sure && sameList(a.tags, b.tags) && sameList(a.names, b.names)

function directDebit (b: Build, m: Merchant, date: number, pence: (day: number) => number, months?: readonly number[]): RecurringRule {
  const ref = reference(b.life, m.slug)
  return rule(b, `dd/${m.slug}`, merchantKind(m, 'DD'), monthly(date, 'after', months), () => ({ type: 'direct_debit', payee: m.raw, reference: ref }), pence)
}

function subscription (b: Build, m: Merchant, date: number): RecurringRule {
  const price = between(b.rng, m.pence[0], m.pence[1])
  return rule(b, `sub/${m.slug}`, merchantKind(m, 'DEB', { card: false }), monthly(date, 'none'), (day) => ({ type: 'card', raw: m.raw, store: undefined, town: undefined, country: 'GB', day, processor: undefined, fx: undefined }), fixed(price), 3)
}

function spending (b: Build, m: Merchant, weight: number): SpendingRule {
  const online = m.channel === 'online' || (m.channel === 'both' && between(b.rng, 0, 2) === 0)
  const paypal = online && between(b.rng, 0, 4) === 0
  let byKey = merchantRules.get(m)
  if (byKey === undefined) merchantRules.set(m, byKey = new Map())
  // Weights are under 1000: the key tells every weight, online and PayPal apart.
  const key = weight + (online ? 1000 : 0) + (paypal ? 2000 : 0)
  let found = byKey.get(key)
  if (found === undefined) byKey.set(key, found = { kind: cardKind(m, online), raw: m.raw, weight, pence: m.pence, where: online ? 'online' : 'stores', processor: paypal ? 'PAYPAL' : undefined, abroad: false })
  return found
}

// A merchant's card spending rules by weight and channel: keyed by numbers, not by a
// text made for each of a plan's thirty rules. Bounded: merchants and weights come from tables.
const merchantRules = new Map<Merchant, Map<number, SpendingRule>>()

// Spending rules hold nothing of the customer (its stores are drawn when it pays): shared by every plan, as kinds are.
const rules = new Map<string, SpendingRule>()
function sharedRule (key: string, make: () => SpendingRule): SpendingRule {
  let found = rules.get(key)
  if (found === undefined) {
    if (rules.size >= 10_000) rules.clear()
    rules.set(key, found = make())
  }
  return found
}

function independent (b: Build, weight: number): SpendingRule {
  const shop = pick(b.rng, INDEPENDENTS)
  const reader = pick(b.rng, ['SUMUP', 'ZETTLE_', 'SQ'])
  return sharedRule(`${shop.raw}|${reader}|${weight}`, () => ({ kind: kindOf(shop.l2, 'DEB', false, shop.raw.replace(/\b\w+/g, (w) => w[0] + w.slice(1).toLowerCase()), { mcc: shop.mcc, card: true, sure: false }), raw: shop.raw, weight, pence: shop.pence, where: 'home', processor: reader, abroad: false }))
}

function abroad (m: Merchant): SpendingRule {
  return sharedRule(`${m.slug}|abroad`, () => ({ kind: cardKind(m, false), raw: m.raw, weight: 0, pence: m.pence, where: 'stores', processor: undefined, abroad: true }))
}

/** The customer's shops of these categories, the usual one of each weighted most. */
function everyday (b: Build, weights: Partial<Record<L2, number>>): SpendingRule[] {
  const out: SpendingRule[] = []
  for (const [l2, weight] of Object.entries(weights) as [L2, number][]) {
    shopsOf(b.life, l2).forEach((m, i) => out.push(spending(b, m, i === 0 ? weight * 2 : weight)))
  }
  return out
}

/** The monthly transfer the first connection sends to the customer's account at another bank, and the second receives. */
function elsewhere (b: Build, out: boolean): RecurringRule {
  const name = initialAndSurname(b.life)
  const key = `${b.life.customerId}\nelsewhere`
  const kind = kindOf('internal_transfers', 'BAT', !out, out ? `Transfer to ${b.life.holder}` : `Transfer from ${b.life.holder}`, { names: [b.life.holder.toLowerCase()] })
  // The day after payday: the first working day of the month.
  return rule(b, 'elsewhere', kind, monthly(1, 'after'), () => out ? { type: 'faster_payment_out', name, reference: 'OWN ACCOUNT' } : { type: 'faster_payment_in', name, reference: 'OWN ACCOUNT' }, (day) => drawn(key, Math.floor(day / 28), 30_000, 60_000), 9, out ? '/out' : '/in')
}

/** A transfer between two accounts at the same bank: out of one, into the other, same day and amount. */
function ownTransfer (b: Build, key: string, out: boolean, to: string, from: string, schedule: Schedule, pence: (day: number) => number): RecurringRule {
  const kind = kindOf('internal_transfers', 'BAT', !out, out ? `Transfer to ${to}` : `Transfer from ${from}`)
  return rule(b, key, kind, schedule, () => out ? { type: 'faster_payment_out', name: `TO ${to.toUpperCase()}`, reference: reference(b.life, key, 6) } : { type: 'faster_payment_in', name: `FROM ${from.toUpperCase()}`, reference: reference(b.life, key, 6) }, pence, 8, out ? '/out' : '/in')
}

function housing (b: Build, lo: number, hi: number): RecurringRule {
  const h = b.life.housing
  const amount = between(b.rng, lo, hi)
  return h.type === 'rent'
    ? rule(b, 'housing', kindOf('rent', 'SO', false, 'Rent'), monthly(1), () => ({ type: 'standing_order', payee: h.payee, reference: reference(b.life, 'rent', 6) }), fixed(amount))
    : rule(b, 'housing', kindOf('mortgage', 'DD', false, 'Mortgage'), monthly(1), () => ({ type: 'direct_debit', payee: h.payee, reference: reference(b.life, 'mortgage', 10) }), fixed(Math.round(amount * 1.15)))
}

function councilTax (b: Build): RecurringRule {
  const payee = `${b.life.home.city.toUpperCase()} COUNCIL`
  // Ten instalments, April to January.
  return rule(b, 'council', kindOf('council_tax', 'DD', false, `${b.life.home.city} Council`), monthly(1 + between(b.rng, 0, 27), 'after', [1, 4, 5, 6, 7, 8, 9, 10, 11, 12]), () => ({ type: 'direct_debit', payee, reference: reference(b.life, 'council', 9) }), fixed(between(b.rng, 12_000, 21_000)))
}

function bills (b: Build, scale = 1): RecurringRule[] {
  const { life } = b
  const s = (lo: number, hi: number) => Math.round(between(b.rng, lo, hi) * scale)
  return [
    councilTax(b),
    directDebit(b, life.energy, 1 + between(b.rng, 0, 27), seasonal(s(7_000, 16_000))),
    directDebit(b, life.water, 1 + between(b.rng, 0, 27), fixed(s(2_600, 4_800))),
    directDebit(b, life.mobile, 1 + between(b.rng, 0, 27), fixed(s(1_200, 3_800))),
    directDebit(b, life.broadband, 1 + between(b.rng, 0, 27), fixed(s(2_800, 6_500))),
    directDebit(b, life.insurance, 1 + between(b.rng, 0, 27), fixed(s(1_800, 6_000))),
    directDebit(b, merchant('tv_licensing'), 1 + between(b.rng, 0, 27), fixed(1_422))
  ]
}

const SALARIED_SPENDING: Partial<Record<L2, number>> = { groceries: 6, convenience_stores: 2, coffee: 4, eating_out: 3, takeaway: 1, pubs_and_bars: 2, public_transport: 4, taxi: 1, fuel: 1, general_merchandise: 2, clothing: 1, home_and_garden: 1, pharmacy: 1, beauty: 1, electronics: 0.3, books: 0.5, gifts: 0.5, cinema: 0.5, hair_and_beauty: 0.3, parking: 0.5 }
const STUDENT_SPENDING: Partial<Record<L2, number>> = { groceries: 5, convenience_stores: 3, eating_out: 4, coffee: 2, takeaway: 2, pubs_and_bars: 4, public_transport: 3, clothing: 1, books: 1, gaming: 1, cinema: 1 }
const GIG_SPENDING: Partial<Record<L2, number>> = { groceries: 5, convenience_stores: 3, fuel: 4, eating_out: 3, coffee: 2, takeaway: 2, car_maintenance: 0, parking: 1, general_merchandise: 2, electronics: 0.5, diy: 0.5 }
const RETIRED_SPENDING: Partial<Record<L2, number>> = { groceries: 6, convenience_stores: 2, coffee: 3, eating_out: 2, pharmacy: 3, home_and_garden: 3, department_stores: 2, books: 1, gifts: 1, fuel: 1, pets: 1, hair_and_beauty: 0.5 }
const DIFFICULTY_SPENDING: Partial<Record<L2, number>> = { groceries: 4, convenience_stores: 5, eating_out: 2, takeaway: 2, gambling: 5, public_transport: 2, general_merchandise: 2 }

const COMMON_OCCASIONAL: Occasional[] = [{ type: 'atm', perMille: 60 }, { type: 'refund', perMille: 12 }]

/** The accounts a connection holds: by its profile, and whether it is the customer's first connection of that profile. */
export function plansFor (customerId: string, provider: string, profile: ProfileName, ordinal: number): AccountPlan[] {
  const { holidayMonth, home: town, prefix } = lifeOf(customerId)
  return plans(customerId, provider, profile, ordinal).map((plan) => {
    const home = plan.spending.filter((s) => !s.abroad)
    return {
      customerId,
      town,
      prefix,
      index: plan.index,
      accountType: plan.accountType,
      accountName: plan.accountName,
      usageType: plan.usageType,
      accountCategory: plan.accountCategory,
      openingPence: plan.openingPence,
      creditLimitPence: plan.creditLimitPence,
      recurring: plan.recurring,
      spending: plan.spending,
      spendingPerDay: plan.spendingPerDay,
      occasional: plan.occasional,
      home,
      away: plan.spending.filter((s) => s.abroad),
      homeWeights: runningWeights(home),
      holidayMonth
    }
  })
}

function plans (customerId: string, provider: string, profile: ProfileName, ordinal: number): Plan[] {
  const life = lifeOf(customerId)
  const b: Build = {
    life,
    rng: xoroshiro128plus(hash32(`plan\n${customerId}\n${profile}\n${ordinal}`) | 0),
    prefix: `${customerId}\n${provider}\n${profile}\n`
  }
  const first = ordinal === 0
  switch (profile) {
    case 'empty':
      return [account({ index: 0, accountType: 'current_account', accountName: 'Current Account', openingPence: [0, 0], recurring: [], spending: [], spendingPerDay: [0, 0], occasional: [] })]
    case 'salaried': {
      if (!first) return secondBank(b)
      const saver = savings(b, 'Easy Saver', monthly(1), (day) => drawn(`${customerId}\nsavings`, Math.floor(day / 28), 10_000, 40_000), [150_000, 1_200_000], [180, 2_400], 'INTEREST PAID')
      const salary = rule(b, 'salary', kindOf('salary', 'BAT', true, life.employer.name.replace(/ (LTD|PLC|PAYROLL)$/, '').replace(/\b\w+/g, (w) => w[0] + w.slice(1).toLowerCase())), monthly('last-working-day'), () => ({ type: 'bank_credit', payer: life.employer.name, reference: 'SALARY' }), fixed(between(b.rng, ...life.employer.pay)), 5)
      const current: Plan = account({
        index: 0,
        accountType: 'current_account',
        accountName: 'Current Account',
        openingPence: [85_000, 420_000],
        creditLimitPence: 50_000,
        recurring: [
          salary,
          housing(b, 75_000, 150_000),
          ...bills(b),
          ...life.subscriptions.map((m) => subscription(b, m, 1 + between(b.rng, 0, 27))),
          ...(life.gym === undefined ? [] : [directDebit(b, life.gym, 1 + between(b.rng, 0, 27), fixed(between(b.rng, ...life.gym.pence)))]),
          directDebit(b, life.charity, 1 + between(b.rng, 0, 27), fixed(between(b.rng, 500, 1_500))),
          saver.out,
          elsewhere(b, true)
        ],
        spending: [...everyday(b, SALARIED_SPENDING), independent(b, 1), ...life.abroad.map(abroad)],
        spendingPerDay: [0, 4],
        occasional: [...COMMON_OCCASIONAL, { type: 'transfer_from_friend', perMille: 25 }]
      })
      return [current, saver.account]
    }
    case 'student': {
      if (!first) return secondBank(b)
      const job = pick(b.rng, ['THE CROWN PUB', 'CAMPUS CAFE LTD', 'NEXT RETAIL LTD', 'ODEON CINEMAS'])
      return [account({
        index: 0,
        accountType: 'current_account',
        accountName: 'Student Account',
        openingPence: [5_000, 90_000],
        creditLimitPence: 150_000,
        recurring: [
          rule(b, 'slc', kindOf('student_loan', 'BAT', true, 'Student Finance England'), monthly(20, 'after', [1, 4, 9]), () => ({ type: 'bank_credit', payer: 'SLC RECEIPTS', reference: reference(life, 'slc', 11) }), fixed(between(b.rng, 290_000, 340_000)), 4),
          rule(b, 'wages', kindOf('salary', 'BAT', true, 'Wages'), { every: 'week', weekday: 5, shift: 'before' }, () => ({ type: 'faster_payment_in', name: job, reference: 'WAGES' }), (day) => drawn(`${customerId}\nwages`, day, 6_500, 11_000), 7),
          rule(b, 'housing', kindOf('rent', 'SO', false, 'Rent'), monthly(1), () => ({ type: 'standing_order', payee: 'UNITE STUDENTS', reference: reference(life, 'rent', 6) }), fixed(between(b.rng, 52_000, 68_000))),
          directDebit(b, merchant('giffgaff'), 14, fixed(between(b.rng, 800, 1_500))),
          subscription(b, merchant('spotify'), 8),
          ...life.subscriptions.slice(0, 1).filter((m) => m.slug !== 'spotify').map((m) => subscription(b, m, 17))
        ],
        spending: [...everyday(b, STUDENT_SPENDING), independent(b, 1)],
        spendingPerDay: [0, 3]
      })]
    }
    case 'gig_worker': {
      if (!first) return secondBank(b)
      return [account({
        index: 0,
        accountType: 'current_account',
        accountName: 'Current Account',
        openingPence: [20_000, 180_000],
        recurring: [
          rule(b, 'uber', kindOf('gig_income', 'BAT', true, 'Uber'), { every: 'week', weekday: 1, shift: 'after' }, () => ({ type: 'bank_credit', payer: 'UBER BV', reference: 'PAYOUT' }), (day) => drawn(`${customerId}\nuber`, day, 4_000, 42_000), 4),
          rule(b, 'deliveroo', kindOf('gig_income', 'BAT', true, 'Deliveroo'), { every: 'weeks', weeks: 2, firstDay: 4 + 7 * between(b.rng, 0, 1), shift: 'after' }, () => ({ type: 'bank_credit', payer: 'ROOFOODS LTD', reference: 'DELIVEROO' }), (day) => drawn(`${customerId}\ndeliveroo`, day, 6_000, 38_000), 4),
          rule(b, 'self_assessment', kindOf('tax', 'BAT', false, 'HMRC Self Assessment'), monthly(31, 'before', [1, 7]), () => ({ type: 'faster_payment_out', name: 'HMRC SELF ASSESSMENT', reference: reference(life, 'utr', 10) + 'K' }), fixed(between(b.rng, 40_000, 160_000)), 10),
          housing(b, 65_000, 110_000),
          ...bills(b, 0.8),
          subscription(b, life.subscriptions[0]!, 9),
          directDebit(b, merchant('admiral'), 18, fixed(between(b.rng, 6_000, 12_000)))
        ],
        spending: [...everyday(b, GIG_SPENDING), independent(b, 1)],
        spendingPerDay: [0, 4]
      })]
    }
    case 'retired': {
      if (!first) return secondBank(b)
      const provider = pick(b.rng, ['AVIVA PENSION', 'LEGAL & GENERAL', 'ROYAL LONDON PENSION', 'NHS PENSIONS'])
      const saver = savings(b, 'Savings Account', monthly(2), fixed(between(b.rng, 5_000, 20_000)), [800_000, 4_500_000], [1_500, 9_000], 'GROSS INTEREST')
      return [account({
        index: 0,
        accountType: 'current_account',
        accountName: 'Current Account',
        openingPence: [150_000, 600_000],
        recurring: [
          rule(b, 'state_pension', kindOf('pension', 'BAT', true, 'State Pension'), { every: 'weeks', weeks: 4, firstDay: 20_000 + between(b.rng, 0, 27), shift: 'before' }, () => ({ type: 'bank_credit', payer: 'DWP SP', reference: reference(life, 'nino', 8) }), fixed(between(b.rng, 80_000, 92_000)), 5),
          rule(b, 'private_pension', kindOf('pension', 'BAT', true, 'Pension'), monthly(28, 'before'), () => ({ type: 'bank_credit', payer: provider, reference: 'PENSION' }), fixed(between(b.rng, 40_000, 160_000)), 5),
          ...bills(b, 0.9).filter((r) => !r.key.includes(life.mobile.slug)),
          directDebit(b, life.charity, 3, fixed(between(b.rng, 500, 1_500))),
          directDebit(b, merchant(life.charity.slug === 'rspca' ? 'oxfam' : 'rspca'), 15, fixed(500)),
          saver.out
        ],
        spending: [...everyday(b, RETIRED_SPENDING), independent(b, 1)],
        spendingPerDay: [0, 3]
      }), saver.account]
    }
    case 'sole_trader': {
      const clients = pickSome(b.rng, ['BRIGHTON DESIGN CO', 'HARBOUR CAFES LTD', 'MILLER & SONS BUILDERS', 'GREENFIELD ESTATES', 'PARKSIDE DENTAL', 'NORTHGATE LETTINGS'], 3)
      const trade = (name: string) => name.replace(/\b\w+/g, (w) => w[0] + w.slice(1).toLowerCase())
      return [account({
        index: 0,
        usageType: 'business',
        accountType: 'current_account',
        accountName: 'Business Current Account',
        openingPence: [300_000, 1_500_000],
        recurring: [
          ...clients.map((name, i) => rule(b, `client/${i}`, kindOf('business_income', 'BAT', true, trade(name)), { every: 'weeks', weeks: 2, firstDay: 1 + i * 3 + between(b.rng, 0, 6), shift: 'after' }, () => ({ type: 'faster_payment_in', name, reference: `INV ${String(1000 + (hash32(name) % 9000))}` }), (day) => drawn(`${customerId}\n${name}`, day, 45_000, 240_000), 10)),
          rule(b, 'takings', kindOf('card_takings', 'BAT', true, 'SumUp'), { every: 'week', weekday: 3, shift: 'after' }, () => ({ type: 'bank_credit', payer: 'SUMUP PAYMENTS', reference: 'PAYOUT' }), (day) => drawn(`${customerId}\ntakings`, day, 8_000, 65_000), 4),
          rule(b, 'vat', kindOf('tax', 'DD', false, 'HMRC VAT'), monthly(7, 'after', [2, 5, 8, 11]), () => ({ type: 'direct_debit', payee: 'HMRC VAT', reference: reference(life, 'vrn', 9) }), (day) => drawn(`${customerId}\nvat`, day, 180_000, 420_000)),
          rule(b, 'self_assessment', kindOf('tax', 'BAT', false, 'HMRC Self Assessment'), monthly(31, 'before', [1, 7]), () => ({ type: 'faster_payment_out', name: 'HMRC SELF ASSESSMENT', reference: reference(life, 'utr', 10) + 'K' }), fixed(between(b.rng, 150_000, 600_000)), 10),
          directDebit(b, merchant('xero'), 3, fixed(between(b.rng, 1_500, 4_700))),
          subscription(b, merchant('google_workspace'), 6),
          directDebit(b, merchant('direct_line'), 11, fixed(between(b.rng, 6_500, 14_000))),
          rule(b, 'drawings', kindOf('drawings', 'BAT', false, `${life.holder} drawings`, { names: [life.holder.toLowerCase()] }), monthly('last-working-day'), () => ({ type: 'faster_payment_out', name: initialAndSurname(life), reference: 'DRAWINGS' }), fixed(between(b.rng, 200_000, 350_000)), 11),
          rule(b, 'fee', kindOf('bank_charges', 'CHG', false, 'Account fee'), monthly(1), () => ({ type: 'bank', text: 'MONTHLY ACCOUNT FEE' }), fixed(700), 2)
        ],
        spending: [...everyday(b, { fuel: 4, diy: 3, parking: 1, coffee: 2 }), spending(b, merchant('screwfix'), 3), spending(b, merchant('toolstation'), 2), spending(b, merchant('travis_perkins'), 1), spending(b, merchant('machine_mart'), 0.5), spending(b, merchant('viking'), 0.5), spending(b, merchant('vistaprint'), 0.3)],
        spendingPerDay: [0, 3],
        occasional: [{ type: 'refund', perMille: 10 }]
      })]
    }
    case 'financial_difficulty': {
      if (!first) return secondBank(b)
      const lender = pick(b.rng, ['lending_stream', 'drafty', 'quidmarket'] as const)
      const collector = pick(b.rng, ['lowell', 'cabot'] as const)
      const lent = merchant(lender)
      return [account({
        index: 0,
        accountType: 'current_account',
        accountName: 'Current Account',
        openingPence: [-40_000, 10_000],
        creditLimitPence: 100_000,
        recurring: [
          rule(b, 'uc', kindOf('benefits', 'BAT', true, 'Universal Credit'), monthly(8 + between(b.rng, 0, 14), 'before'), () => ({ type: 'bank_credit', payer: 'DWP UC', reference: reference(life, 'uc', 12) }), (day) => drawn(`${customerId}\nuc`, day, 55_000, 85_000), 5),
          rule(b, 'salary', kindOf('salary', 'BAT', true, 'Wages'), monthly('last-working-day'), () => ({ type: 'bank_credit', payer: 'HARBOUR HOTELS GROUP', reference: 'SALARY' }), (day) => drawn(`${customerId}\nsalary`, day, 60_000, 95_000), 5),
          housing(b, 55_000, 80_000),
          ...bills(b, 0.9).slice(0, 4),
          rule(b, `dd/${lender}`, merchantKind(lent, 'DD'), monthly(2, 'after'), () => ({ type: 'direct_debit', payee: lent.raw, reference: reference(life, lender) }), (day) => drawn(`${customerId}\n${lender}`, day, 6_000, 18_000)),
          directDebit(b, merchant(collector), 15, fixed(between(b.rng, 1_000, 3_500))),
          directDebit(b, merchant('klarna'), 20, (day) => drawn(`${customerId}\nklarna`, day, 1_500, 6_000)),
          rule(b, 'overdraft', kindOf('overdraft_charges', 'CHG', false, 'Overdraft interest'), monthly(1), () => ({ type: 'bank', text: 'OVERDRAFT INTEREST' }), (day) => drawn(`${customerId}\noverdraft`, day, 600, 2_800), 2)
        ],
        spending: [...everyday(b, DIFFICULTY_SPENDING), spending(b, merchant('bet365'), 3), spending(b, merchant('sky_bet'), 2), spending(b, merchant('paddy_power'), 2)],
        spendingPerDay: [1, 4],
        occasional: [...COMMON_OCCASIONAL, { type: 'gambling_win', perMille: 80 }, { type: 'payday_loan', perMille: 35 }, { type: 'returned_direct_debit', perMille: 40 }]
      })]
    }
  }
}

/** A savings account at the same bank as the current account: the monthly transfer out of the current account, and the account that receives it and earns interest. */
function savings (b: Build, name: string, schedule: Schedule, pence: (day: number) => number, openingPence: readonly [number, number], interest: readonly [number, number], interestText: string) {
  const saver = account({
    index: 1,
    accountType: 'savings',
    accountName: name,
    openingPence,
    recurring: [
      ownTransfer(b, 'savings', false, name, 'Current Account', schedule, pence),
      rule(b, 'interest', kindOf('interest', 'INT', true, 'Interest'), monthly(31, 'none'), () => ({ type: 'bank', text: interestText }), (day) => drawn(`${b.life.customerId}\ninterest`, day, interest[0], interest[1]), 1)
    ],
    spending: [],
    spendingPerDay: [0, 0],
    occasional: []
  })
  return { out: ownTransfer(b, 'savings', true, name, 'Current Account', schedule, pence), account: saver }
}

/** The customer's second bank: an everyday account the first sends money to, and a credit card it pays off. */
function secondBank (b: Build): Plan[] {
  const cardPayment = (day: number) => drawn(`${b.life.customerId}\ncard`, Math.floor(day / 28), 8_000, 45_000)
  const payOff = monthly(5, 'after')
  return [account({
    index: 0,
    accountType: 'current_account',
    accountName: 'Everyday Account',
    openingPence: [10_000, 120_000],
    recurring: [
      elsewhere(b, false),
      ownTransfer(b, 'card', true, 'Credit Card', 'Everyday Account', payOff, cardPayment)
    ],
    spending: [...everyday(b, { takeaway: 3, coffee: 2, eating_out: 2, taxi: 1, clothing: 1, cinema: 1, pubs_and_bars: 2 })],
    spendingPerDay: [0, 2]
  }), account({
    index: 1,
    accountType: 'credit_card',
    accountName: 'Credit Card',
    accountCategory: 'credit',
    openingPence: [-60_000, -5_000],
    creditLimitPence: 400_000,
    recurring: [ownTransfer(b, 'card', false, 'Credit Card', 'Everyday Account', payOff, cardPayment)],
    spending: [...everyday(b, { general_merchandise: 3, electronics: 1, flights: 0.3, hotels: 0.3, department_stores: 1, sports_and_outdoors: 1 })],
    spendingPerDay: [0, 1],
    occasional: []
  })]
}
