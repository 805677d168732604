// How each bank writes a transaction's raw description. The same payment at
// Tesco reads `tesco stores 2613 on 28 may visa` at one bank,
// `4929 28MAY26 C , TESCO STORES 2613 , LEEDS GB` at another and
// `TESCO STORES 2613      LEEDS         GBR` at a third. A provider the
// sandbox does not know writes as one of these, chosen by its name.

import { dateOf, monthOf } from './calendar.js'

/** What a raw description says, before a bank writes it. */
export type Said =
  | { type: 'card', raw: string, store: string | undefined, town: string | undefined, country: string, day: number, processor: string | undefined, fx: { amount: string, currency: string, rate: string } | undefined }
  | { type: 'refund', raw: string, day: number }
  | { type: 'direct_debit', payee: string, reference: string }
  | { type: 'returned_direct_debit', payee: string, reference: string }
  | { type: 'standing_order', payee: string, reference: string }
  | { type: 'faster_payment_in', name: string, reference: string }
  | { type: 'faster_payment_out', name: string, reference: string }
  | { type: 'bank_credit', payer: string, reference: string }
  | { type: 'atm', town: string, day: number }
  | { type: 'bank', text: string }

export type StyleName = 'bud' | 'natwest' | 'monzo' | 'starling'

const KNOWN: Record<string, StyleName> = {
  Bank_Of_Bud: 'bud',
  Natwest_Sandbox: 'natwest',
  Monzo_Sandbox: 'monzo',
  Starling_Business_Sandbox: 'starling'
}
const ORDER: readonly StyleName[] = ['bud', 'natwest', 'monzo', 'starling']

export function styleOf (provider: string): StyleName {
  const known = KNOWN[provider]
  if (known !== undefined) return known
  let hash = 0
  for (let i = 0; i < provider.length; i++) hash = (Math.imul(hash, 31) + provider.charCodeAt(i)) | 0
  return ORDER[(hash >>> 0) % ORDER.length]!
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC']
const dateParts = (day: number) => {
  const { year, month } = monthOf(day)
  return { dd: String(dateOf(day)).padStart(2, '0'), mon: MONTHS[month - 1]!, yy: String(year % 100).padStart(2, '0'), mm: String(month).padStart(2, '0') }
}
/** ISO 3166 alpha-3 codes of the countries card payments are made in. */
const ALPHA3: Record<string, string> = { GB: 'GBR', FR: 'FRA', ES: 'ESP', NL: 'NLD' }
const alpha3 = (country: string) => ALPHA3[country] ?? country
const pad = (text: string, width: number) => text.length >= width ? `${text} ` : text.padEnd(width)

/** The raw description `style` writes for what is said; `card` is the last four digits of the account's card. */
export function write (style: StyleName, said: Said, card: string): string {
  switch (style) {
    case 'bud': return bud(said)
    case 'natwest': return natwest(said, card)
    case 'monzo': return monzo(said)
    case 'starling': return starling(said)
  }
}

// Bank of Bud writes in lower case. Names, towns, countries and months come
// from the catalogue's few hundred: each is lowered once. References are
// the customer's own and lowered each time.
const lowered = new Map<string, string>()
function lower (name: string): string {
  let low = lowered.get(name)
  if (low === undefined) {
    if (lowered.size >= 10_000) lowered.clear()
    lowered.set(name, low = name.toLowerCase())
  }
  return low
}

function bud (said: Said): string {
  switch (said.type) {
    case 'card': {
      const { dd, mon } = dateParts(said.day)
      const where = said.town === undefined ? '' : ` ${lower(said.town)} ${lower(alpha3(said.country))}`
      const fx = said.fx === undefined ? '' : ` ${said.fx.currency.toLowerCase()} ${said.fx.amount}`
      return `${said.processor === undefined ? '' : `${lower(said.processor)} *`}${lower(said.raw)}${said.store === undefined ? '' : ` ${said.store}`}${where} on ${dd} ${lower(mon)} visa${fx}`
    }
    case 'refund': return `refund ${lower(said.raw)} on ${dateParts(said.day).dd} ${lower(dateParts(said.day).mon)} visa`
    case 'direct_debit': return `${lower(said.payee)} dd ${said.reference.toLowerCase()}`
    case 'returned_direct_debit': return `unpaid dd ${lower(said.payee)} ${said.reference.toLowerCase()}`
    case 'standing_order': return `${lower(said.payee)} so ${said.reference.toLowerCase()}`
    case 'faster_payment_in': return `${lower(said.name)} ${said.reference.toLowerCase()} fp`
    case 'faster_payment_out': return `${lower(said.name)} ${said.reference.toLowerCase()} fp`
    case 'bank_credit': return `${lower(said.payer)} bgc ${said.reference.toLowerCase()}`
    case 'atm': return `cash ${lower(said.town)} on ${dateParts(said.day).dd} ${lower(dateParts(said.day).mon)}`
    case 'bank': return lower(said.text)
  }
}

function natwest (said: Said, card: string): string {
  switch (said.type) {
    case 'card': {
      const { dd, mon, yy } = dateParts(said.day)
      const name = `${said.processor === undefined ? '' : `${said.processor} *`}${said.raw}${said.store === undefined ? '' : ` ${said.store}`}`
      const fx = said.fx === undefined ? '' : ` , ${said.fx.currency} ${said.fx.amount} VRATE ${said.fx.rate} N-S TRN FEE`
      return `${card} ${dd}${mon}${yy} C , ${name} , ${said.town === undefined ? 'INTERNET' : said.town.toUpperCase()} ${said.country}${fx}`
    }
    case 'refund': {
      const { dd, mon, yy } = dateParts(said.day)
      return `${card} ${dd}${mon}${yy} CD , ${said.raw} REFUND`
    }
    case 'direct_debit': return `${said.payee} ${said.reference} DDR`
    case 'returned_direct_debit': return `UNPAID DDR ${said.payee} ${said.reference}`
    case 'standing_order': return `${said.payee} ${said.reference} SO`
    case 'faster_payment_in': return `${said.name} ${said.reference} FP`
    case 'faster_payment_out': return `${said.name} ${said.reference} FP`
    case 'bank_credit': return `${said.payer} ${said.reference} BAC`
    case 'atm': {
      const { dd, mon, yy } = dateParts(said.day)
      return `${card} ${dd}${mon}${yy} C , LNK ${said.town.toUpperCase()} , ${said.town.toUpperCase()} GB`
    }
    case 'bank': return said.text
  }
}

function monzo (said: Said): string {
  switch (said.type) {
    case 'card': {
      const name = `${said.processor === undefined ? '' : `${said.processor}* `}${said.raw}${said.store === undefined ? '' : ` ${said.store}`}`
      return `${pad(name, 23)}${pad(said.town === undefined ? 'INTERNET' : said.town.toUpperCase(), 14)}${alpha3(said.country)}`.trimEnd()
    }
    case 'refund': return `${pad(said.raw, 23)}REFUND`
    case 'direct_debit': return said.payee
    case 'returned_direct_debit': return `${said.payee} (RETURNED)`
    case 'standing_order': return `${said.payee} ${said.reference}`
    case 'faster_payment_in': return `${said.name} ${said.reference}`
    case 'faster_payment_out': return `${said.name} ${said.reference}`
    case 'bank_credit': return `${said.payer} ${said.reference}`
    case 'atm': return `${pad('CASH WITHDRAWAL', 23)}${pad(said.town.toUpperCase(), 14)}GBR`
    case 'bank': return said.text
  }
}

function starling (said: Said): string {
  switch (said.type) {
    case 'card': return `${said.processor === undefined ? '' : `${said.processor} *`}${said.raw}${said.store === undefined ? '' : ` ${said.store}`}${said.fx === undefined ? '' : ` ${said.fx.currency} ${said.fx.amount}`}`
    case 'refund': return `${said.raw} REFUND`
    case 'direct_debit': return `${said.payee}`
    case 'returned_direct_debit': return `RETURNED DD ${said.payee}`
    case 'standing_order': return `${said.payee} ${said.reference}`
    case 'faster_payment_in': return `${said.name} ${said.reference}`
    case 'faster_payment_out': return `${said.name} ${said.reference}`
    case 'bank_credit': return `${said.payer} ${said.reference}`
    case 'atm': return `CASH ${said.town.toUpperCase()}`
    case 'bank': return said.text
  }
}
