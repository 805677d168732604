// What a transaction is, as Bud's enrichment would say it (Kind), the
// profiles a fixture connection can choose, and the rules that enrich a
// description nobody generated — what the fixtures give and a test adds at
// the bank — from its text alone, as Bud's models read it.
import { createHash } from 'node:crypto'
import { l1Of, MERCHANTS, PROCESSORS, type L1, type L2, type Merchant, type Processor, type ProcessorSlug } from './merchants.js'
import type { Schedule } from './schedule.js'

export const PROFILES = ['salaried', 'student', 'gig_worker', 'retired', 'sole_trader', 'financial_difficulty', 'empty'] as const
export type ProfileName = (typeof PROFILES)[number]
/** Names a fixture may still use, and what they mean now. */
export const PROFILE_ALIASES = { small_business: 'sole_trader' } as const satisfies Record<string, ProfileName>
export type ProfileAlias = keyof typeof PROFILE_ALIASES

/** The profile a fixture's name means. */
export const profileNamed = (name: ProfileName | ProfileAlias): ProfileName => name in PROFILE_ALIASES ? PROFILE_ALIASES[name as ProfileAlias] : name as ProfileName
export const DEFAULT_PROFILE: ProfileName = 'salaried'

/** Bud's transaction type codes, with how Bud describes each. */
export const BUD_CODES = {
  DEB: 'Debit card transaction',
  CPT: 'Cashpoint / ATM',
  DD: 'Direct debit',
  SO: 'Standing order',
  BAT: 'Bank transfer',
  INT: 'Interest',
  CHG: 'Charge',
  OTH: 'Other'
} as const
export type BudCode = keyof typeof BUD_CODES

export interface MerchantInfo {
  slug: string
  displayName: string
  website: string
  /** The part of the raw text Bud's model took it from. */
  token: string
}

/** A regular payment's group: what Bud's regularity enrichment says of each of its transactions. */
export interface Regular {
  schedule: Schedule
  /** What tells the group apart (customer, bank, payment, side); its digest is Bud's group_label. */
  group: string
}

/** Bud's group_label of a regular payment: the same 64 hex digits for every transaction of its group, in every process. */
export function groupLabel (regular: Regular): string {
  return createHash('sha256').update(regular.group).digest('hex')
}

/** What Bud's enrichment would say of a transaction. */
export interface Kind {
  /** What Bud suggests showing instead of the bank's description. */
  suggested: string
  budCode: BudCode
  credit: boolean
  l1: L1
  l2: L2
  merchant?: MerchantInfo | undefined
  mcc?: string | undefined
  /** Card payments show as pending first, and are booked a day or two later under a new id. */
  card: boolean
  /** Bud's tags (regular-transaction, subscription, bill, income, internal-transfer…). */
  tags: readonly string[]
  /** People's names Bud found in the description. */
  names?: readonly string[] | undefined
  /** How sure Bud's model is: a known merchant or rule, or a guess from the words. */
  sure: boolean
}

const infos = new Map<string, MerchantInfo>()
/** What Bud's merchant enrichment says of a merchant: one object per merchant, shared. */
export function merchantInfo (m: Merchant): MerchantInfo {
  let info = infos.get(m.slug)
  if (info === undefined) infos.set(m.slug, info = { slug: m.slug, displayName: m.displayName, website: m.website, token: m.raw.toLowerCase().replace(/[^a-z0-9&' ]+/g, ' ').trim() })
  return info
}

const BILLS = new Set<L2>(['council_tax', 'energy', 'water', 'mobile_phone', 'tv_and_broadband', 'insurance', 'tv_licence'])

/** Tags Bud would give a transaction of this category. */
export function tagsFor (l2: L2, credit: boolean, extra: readonly string[] = []): string[] {
  const tags = [...extra]
  if (BILLS.has(l2)) tags.push('bill')
  if (l2 === 'subscriptions') tags.push('subscription')
  if (l2 === 'payday_loans') tags.push('loan', 'hcst')
  if (l2 === 'loan_repayments') tags.push('loan')
  if (l2 === 'debt_collection') tags.push('debt-collection')
  if (l2 === 'internal_transfers' || l2 === 'savings') tags.push('internal-transfer')
  if (l2 === 'benefits') tags.push('benefit')
  if (credit && l1Of(l2) === 'income') tags.push('income')
  return [...new Set(tags)]
}

// Words Bud's model reads in a description nobody generated, most specific first.
const WORDS: [RegExp, L2, boolean, string][] = [
  [/\bSALARY\b|\bWAGES?\b|\bPAYROLL\b/, 'salary', true, 'Salary'],
  [/\bPENSION\b|\bDWP SP\b/, 'pension', true, 'Pension'],
  [/\bUNIVERSAL CREDIT\b|\bDWP UC\b|\bCHILD BENEFIT\b|\bDWP\b/, 'benefits', true, 'Benefits'],
  [/\bSLC\b|\bSTUDENT (LOAN|FINANCE)\b/, 'student_loan', true, 'Student Finance'],
  [/\bRENT\b/, 'rent', false, 'Rent'],
  [/\bMORTGAGE\b/, 'mortgage', false, 'Mortgage'],
  [/\bCOUNCIL TAX\b|\bCOUNCIL\b/, 'council_tax', false, 'Council Tax'],
  [/\bINTEREST\b/, 'interest', true, 'Interest'],
  [/\bREFUND\b/, 'refunds', true, 'Refund'],
  [/\bCASH\b|\bATM\b|\bLNK\b/, 'atm_withdrawal', false, 'Cash withdrawal'],
  [/\bHMRC\b/, 'tax', false, 'HMRC'],
  [/\bSAVINGS?\b/, 'savings', false, 'Savings'],
  [/\bFEE\b|\bCHARGE\b/, 'bank_charges', false, 'Bank charge']
]

const TEXT_INDEX = MERCHANTS
  .map((m) => ({ m, raw: normalised(m.raw), name: normalised(m.displayName) }))
  .sort((a, b) => b.raw.length - a.raw.length)

function normalised (text: string): string {
  return ` ${text.toUpperCase().replace(/[^A-Z0-9&]+/g, ' ').trim()} `
}

/**
 * Bud's enrichment of a description the sandbox did not generate: a known
 * merchant's name in it gives the merchant and its category; otherwise a
 * word (salary, rent, refund…) gives the category; otherwise a transfer or
 * other income, with a low confidence.
 */
export function enrichFromText (description: string, credit: boolean): Kind {
  const text = normalised(description)
  for (const { m, raw, name } of TEXT_INDEX) {
    if (text.includes(raw) || (name.length > 4 && text.includes(name))) {
      const l2: L2 = credit && m.l2 !== 'payday_loans' ? 'refunds' : m.l2
      return { suggested: m.displayName, budCode: 'DEB', credit, l1: l1Of(l2), l2, merchant: merchantInfo(m), mcc: m.mcc, card: false, tags: tagsFor(l2, credit), sure: true }
    }
  }
  for (const [pattern, l2, forCredit, suggested] of WORDS) {
    if (!pattern.test(text)) continue
    // A word that names income on a debit (or a cost on a credit) is not that.
    if (forCredit !== credit && l1Of(l2) === 'income') continue
    return { suggested, budCode: l2 === 'atm_withdrawal' ? 'CPT' : l2 === 'interest' ? 'INT' : 'BAT', credit, l1: l1Of(l2), l2, card: false, tags: tagsFor(l2, credit), sure: true }
  }
  const l2: L2 = credit ? 'other_income' : 'other_transfers'
  return { suggested: description, budCode: 'BAT', credit, l1: l1Of(l2), l2, card: false, tags: tagsFor(l2, credit), sure: false }
}

// What names a processor in a card payment's raw text: a prefix as card readers and wallets write it, or the card scheme at the end.
const PROCESSOR_WORDS: [RegExp, ProcessorSlug][] = [
  [/\bPAYPAL\b/i, 'paypal'],
  [/\bSUMUP\b/i, 'sumup'],
  [/\bZETTLE_?/i, 'zettle'],
  [/^SQ ?\*/i, 'square'],
  [/\bAPPLE PAY\b/i, 'apple_pay'],
  [/\bGOOGLE PAY\b/i, 'google_pay'],
  [/\bMASTERCARD\b/i, 'mastercard'],
  [/\bVISA\b/i, 'visa']
]

/** The payment processor a raw description names, if any. */
export function processorIn (description: string): Processor | undefined {
  for (const [pattern, slug] of PROCESSOR_WORDS) if (pattern.test(description)) return PROCESSORS[slug]
  return undefined
}
