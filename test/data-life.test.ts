// The generated data as a team building on it would look at it: a year of
// each profile's life (working-day salaries, one salary, paired transfers
// between the customer's own accounts, regular payments on their predicted
// dates, the profile's story), every field fitting Bud's schemas, raw text
// written as each bank writes it, descriptions nobody generated enriched by
// the same rules, and the logos served by the sandbox itself.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { Ajv } from 'ajv'
import addFormats from 'ajv-formats'
import t from 'tap'
import { loadContract, OPENAPI_FORMATS, OPENAPI_KEYWORDS } from '../src/contract.js'
import { accountsOf, balancesAt, bookedTime, DAY_MS, entriesOn, openBank, type Bank, type Entry } from '../src/domain/data/bank.js'
import { isWorkingDay, lastWorkingDayOfMonth, bankHolidays } from '../src/domain/data/calendar.js'
import { CATEGORIES, MERCHANTS } from '../src/domain/data/merchants.js'
import { enrichFromText, PROFILES, type ProfileName } from '../src/domain/data/profiles.js'
import { nextAfter } from '../src/domain/data/schedule.js'
import { build, CLIENT, T0 } from './helper.js'

const YEAR_DAYS = 365
const TODAY = Math.floor(T0 / DAY_MS)

/** A year of a customer's banks: every entry dated within it, with the bank it came from. */
function year (banks: Bank[]): (Entry & { bank: Bank })[] {
  const out: (Entry & { bank: Bank })[] = []
  for (let day = TODAY - YEAR_DAYS; day < TODAY; day++) {
    for (const bank of banks) for (const e of entriesOn(bank, day)) out.push({ ...e, bank })
  }
  return out
}

const bankOf = (customerId: string, provider: string, profile: ProfileName, ordinal = 0) => openBank(customerId, provider, { profile, ordinal }, T0)
const dayOf = (ms: number) => Math.floor(ms / DAY_MS)
const monthKey = (ms: number) => new Date(ms).toISOString().slice(0, 7)

t.test('England and Wales bank holidays, as proclaimed', async (t) => {
  const iso = (days: Set<number>) => [...days].sort((a, b) => a - b).map((d) => new Date(d * DAY_MS).toISOString().slice(0, 10))
  t.same(iso(bankHolidays(2026)), ['2026-01-01', '2026-04-03', '2026-04-06', '2026-05-04', '2026-05-25', '2026-08-31', '2026-12-25', '2026-12-28'])
  t.same(iso(bankHolidays(2027)), ['2027-01-01', '2027-03-26', '2027-03-29', '2027-05-03', '2027-05-31', '2027-08-30', '2027-12-27', '2027-12-28'], 'Christmas on a Saturday: Monday and Tuesday')
  t.same(iso(bankHolidays(2022)), ['2022-01-03', '2022-04-15', '2022-04-18', '2022-05-02', '2022-06-02', '2022-06-03', '2022-08-29', '2022-09-19', '2022-12-26', '2022-12-27'], '2022: the spring holiday moved for the Jubilee, and the Queen\'s funeral')
  t.equal(new Date(lastWorkingDayOfMonth(dayOf(Date.UTC(2026, 4, 10))) * DAY_MS).toISOString().slice(0, 10), '2026-05-29', 'May 2026 ends on the spring bank holiday: the Friday before')
})

t.test('the catalogue: at least 150 UK merchants across at least 40 of Bud\'s L2 categories', async (t) => {
  const uk = MERCHANTS.filter((m) => !['carrefour', 'fnac', 'mercadona', 'el_corte_ingles', 'albert_heijn'].includes(m.slug))
  t.ok(uk.length >= 150, `${uk.length} UK merchants`)
  t.ok(new Set(uk.map((m) => m.l2)).size >= 40, `${new Set(uk.map((m) => m.l2)).size} L2 categories`)
  t.equal(new Set(MERCHANTS.map((m) => m.slug)).size, MERCHANTS.length, 'slugs are unique')
  const l2s = new Set<string>(Object.values(CATEGORIES).flat())
  t.ok(MERCHANTS.every((m) => l2s.has(m.l2)), 'every merchant sits in a known category')
})

t.test('a salaried customer\'s year at two banks: one salary on the last working day, each bill once, transfers on both sides', async (t) => {
  const customer = 'year-salaried'
  const first = bankOf(customer, 'Bank_Of_Bud', 'salaried', 0)
  const second = bankOf(customer, 'Natwest_Sandbox', 'salaried', 1)
  const all = year([first, second])
  const salaries = all.filter((e) => e.kind.l2 === 'salary')
  t.equal(salaries.length, 12, 'one salary a month')
  t.ok(salaries.every((e) => e.bank === first), 'at one bank only')
  t.equal(new Set(salaries.map((e) => e.description)).size, 1, 'from one employer')
  for (const s of salaries) t.equal(dayOf(s.dateMs), lastWorkingDayOfMonth(dayOf(s.dateMs)), `paid ${new Date(s.dateMs).toISOString().slice(0, 10)}, the last working day of its month`)
  // Bills, rent or mortgage and subscriptions: once a month each, at one bank, on working days when a bank moves them.
  const regular = all.filter((e) => e.regular !== undefined && e.kind.l1 !== 'transfers' && e.kind.l1 !== 'income')
  const perGroup = new Map<string, (typeof all)>()
  for (const e of regular) perGroup.set(e.regular!.group, [...(perGroup.get(e.regular!.group) ?? []), e])
  t.ok(perGroup.size >= 10, `${perGroup.size} regular payments`)
  for (const [, group] of perGroup) {
    t.equal(new Set(group.map((e) => e.bank)).size, 1, `${group[0]!.kind.suggested} is paid at one bank`)
    const months = group.map((e) => monthKey(e.dateMs))
    t.equal(new Set(months).size, months.length, `${group[0]!.kind.suggested} at most once a month`)
    if (group[0]!.kind.budCode === 'DD' || group[0]!.kind.budCode === 'SO') t.ok(group.every((e) => isWorkingDay(dayOf(e.dateMs))), `${group[0]!.kind.suggested} on working days`)
  }
  t.equal(all.filter((e) => e.kind.l2 === 'rent' || e.kind.l2 === 'mortgage').length, 12, 'housing once a month')
  // Each transfer between the customer's own accounts has its other side: same day, same amount.
  const transfers = all.filter((e) => e.kind.l2 === 'internal_transfers')
  const outs = transfers.filter((e) => !e.kind.credit)
  const ins = transfers.filter((e) => e.kind.credit)
  t.ok(outs.length >= 24, `${outs.length} transfers out`)
  t.equal(ins.length, outs.length, 'as many in as out')
  for (const out of outs) {
    t.ok(ins.some((i) => i.amountPence === out.amountPence && dayOf(i.dateMs) === dayOf(out.dateMs) && i.accountId !== out.accountId), `${out.description}: its other side`)
  }
  t.ok(transfers.some((e) => e.bank === first && !e.kind.credit) && transfers.some((e) => e.bank === second && e.kind.credit), 'across the two banks as well as within one')
})

t.test('over a year each account\'s balance moves by exactly what was booked', async (t) => {
  for (const profile of PROFILES) {
    const bank = bankOf(`balances-${profile}`, 'Bank_Of_Bud', profile)
    const all = year([bank])
    for (const account of accountsOf(bank)) {
      const start = (TODAY - YEAR_DAYS + 10) * DAY_MS
      const end = (TODAY - 5) * DAY_MS
      const [before, after] = balancesAt(bank, account, T0, [start, end])
      const booked = all.filter((e) => e.accountId === account.accountId && bookedTime(e) > start && bookedTime(e) <= end)
      t.equal(after!.bookedPence - before!.bookedPence, booked.reduce((sum, e) => sum + (e.kind.credit ? e.amountPence : -e.amountPence), 0), `${profile}: ${account.accountName}`)
    }
  }
})

t.test('regular payments come on the dates Bud predicted for them', async (t) => {
  for (const profile of PROFILES) {
    const all = year([bankOf(`year-${profile}`, 'Bank_Of_Bud', profile)])
    const groups = new Map<string, Entry[]>()
    for (const e of all) if (e.regular !== undefined) groups.set(e.regular.group, [...(groups.get(e.regular.group) ?? []), e])
    for (const group of groups.values()) {
      for (let i = 1; i < group.length; i++) {
        const predicted = nextAfter(group[i - 1]!.regular!.schedule, dayOf(group[i - 1]!.dateMs), 1)[0]
        if (predicted !== dayOf(group[i]!.dateMs)) t.fail(`${profile}: ${group[i]!.kind.suggested} on ${new Date(group[i]!.dateMs).toISOString()} was predicted for day ${predicted}`)
      }
    }
    t.pass(`${profile}: ${groups.size} regular groups, each on its predicted dates`)
  }
})

t.test('each profile tells its story', async (t) => {
  const story = (profile: ProfileName, provider = 'Bank_Of_Bud') => {
    const bank = bankOf(`story-${profile}`, provider, profile)
    return { bank, all: year([bank]) }
  }
  const count = (all: Entry[], l2: string, credit?: boolean) => all.filter((e) => e.kind.l2 === l2 && (credit === undefined || e.kind.credit === credit)).length

  const student = story('student')
  t.equal(count(student.all, 'student_loan'), 3, 'student: three maintenance loan instalments')
  t.ok(count(student.all, 'salary') >= 48, 'student: weekly part-time pay')
  t.ok(accountsOf(student.bank)[0]!.creditLimitPence! > 0, 'student: an arranged overdraft')

  const gig = story('gig_worker', 'Monzo_Sandbox')
  const payouts = gig.all.filter((e) => e.kind.l2 === 'gig_income')
  t.ok(new Set(payouts.map((e) => e.kind.suggested)).size >= 2, 'gig worker: paid by more than one platform')
  t.ok(new Set(payouts.map((e) => e.amountPence)).size > payouts.length * 0.9, 'gig worker: irregular amounts')
  t.equal(count(gig.all, 'salary'), 0, 'gig worker: no salary')
  t.equal(count(gig.all, 'tax'), 2, 'gig worker: self-assessment in January and July')

  const retired = story('retired', 'Natwest_Sandbox')
  const statePension = retired.all.filter((e) => e.kind.suggested === 'State Pension')
  t.ok(statePension.length === 13 || statePension.length === 14, 'retired: the state pension every four weeks')
  t.ok(statePension.every((e, i) => i === 0 || [28, 27, 29, 26, 30].includes(dayOf(e.dateMs) - dayOf(statePension[i - 1]!.dateMs))), 'four weeks apart, moved only around bank holidays')
  t.ok(count(retired.all, 'pension') > statePension.length, 'retired: a private pension too')

  const trader = story('sole_trader', 'Starling_Business_Sandbox')
  t.equal(accountsOf(trader.bank)[0]!.usageType, 'business', 'sole trader: a business account')
  t.ok(count(trader.all, 'business_income') >= 50, 'sole trader: customers pay invoices')
  t.equal(count(trader.all, 'tax', false), 6, 'sole trader: VAT quarterly and self-assessment twice')
  t.ok(trader.all.every((e) => !/STARLING/.test(e.description)), 'no bank name in the raw text')

  const hard = story('financial_difficulty')
  const account = accountsOf(hard.bank)[0]!
  const lows = balancesAt(hard.bank, account, T0, Array.from({ length: 52 }, (_, i) => T0 - i * 7 * DAY_MS))
  t.ok(lows.some((b) => b.bookedPence < 0), 'in difficulty: overdrawn at times')
  t.ok(count(hard.all, 'gambling', false) > 50, 'in difficulty: gambling')
  t.ok(count(hard.all, 'payday_loans', true) > 0, 'in difficulty: borrowing from payday lenders')
  t.ok(hard.all.some((e) => /unpaid/i.test(e.description) && e.kind.credit), 'in difficulty: returned direct debits')

  t.equal(year([bankOf('story-empty', 'Bank_Of_Bud', 'empty')]).length, 0, 'empty: nothing')
})

t.test('each bank writes its own raw text, and Bud\'s rules read every one back to the same merchant', async (t) => {
  const styles = new Map<string, Entry[]>()
  for (const provider of ['Bank_Of_Bud', 'Natwest_Sandbox', 'Monzo_Sandbox', 'Starling_Business_Sandbox']) {
    styles.set(provider, year([bankOf('styles', provider, 'salaried')]).filter((e) => e.kind.merchant !== undefined && e.kind.card))
  }
  const tesco = [...styles.values()].map((all) => all.find((e) => e.kind.merchant!.slug === 'tesco' || e.kind.merchant!.slug === 'aldi' || e.kind.merchant!.slug === 'lidl')?.description)
  t.equal(new Set(tesco).size, 4, `four ways of writing a card payment: ${tesco.join(' | ')}`)
  t.match(styles.get('Bank_Of_Bud')![0]!.description, /^[a-z0-9 &'.*/-]+ on \d\d [a-z]{3} visa/, 'Bank of Bud writes lower case with the date and the scheme')
  t.match(styles.get('Natwest_Sandbox')![0]!.description, /^\d{4} \d\d[A-Z]{3}\d\d C , /, 'NatWest starts with the card and the date')
  let read = 0
  for (const all of styles.values()) {
    for (const e of all) {
      const enriched = enrichFromText(e.description, e.kind.credit)
      if (enriched.merchant?.slug !== e.kind.merchant!.slug) t.fail(`"${e.description}" reads as ${enriched.merchant?.slug ?? 'nothing'}, not ${e.kind.merchant!.slug}`)
      read++
    }
  }
  t.ok(read > 1000, `${read} card payments read back to their merchant`)
  const stores = styles.get('Bank_Of_Bud')!.filter((e) => e.detail !== undefined)
  t.ok(new Set(stores.map((e) => e.description.split(' on ')[0])).size > 20, 'store numbers and towns vary')
  t.ok(year([bankOf('fx', 'Bank_Of_Bud', 'salaried')]).some((e) => /\beur \d+\.\d\d$/.test(e.description)), 'a holiday abroad: card payments in euros')
})

t.test('a coffee is not a weekly shop', async (t) => {
  const all = year([bankOf('prices', 'Bank_Of_Bud', 'salaried')])
  const median = (l2: string) => {
    const amounts = all.filter((e) => e.kind.l2 === l2).map((e) => e.amountPence).sort((a, b) => a - b)
    return amounts[amounts.length >> 1]!
  }
  t.ok(median('coffee') < 1000 && median('groceries') > median('coffee') * 2, `coffee ${median('coffee')}p, groceries ${median('groceries')}p`)
})

// Bud's schemas made strict: a field the sandbox sends that Bud's schema does not name is a failure.
const bud = await loadContract(join(import.meta.dirname, 'reference', 'bud-openapi-journey.yaml'))
function strict (schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strict)
  if (schema === null || typeof schema !== 'object') return schema
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(schema)) out[key] = key === 'properties' ? Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, strict(v)])) : strict(value)
  if ('properties' in out && !('additionalProperties' in out) && !('allOf' in out)) out.additionalProperties = false
  return out
}
const ajv = new Ajv({ allErrors: true, strict: false, keywords: OPENAPI_KEYWORDS })
addFormats.default(ajv)
for (const [name, format] of Object.entries(OPENAPI_FORMATS)) ajv.addFormat(name, format)
for (const schema of bud.schemas) ajv.addSchema(strict(schema) as object)

const PROFILE_CUSTOMERS = {
  salaried: '00000000-0000-4000-8000-000000000001',
  student: '00000000-0000-4000-8000-00000000000c',
  gig_worker: '00000000-0000-4000-8000-00000000000d',
  retired: '00000000-0000-4000-8000-00000000000e',
  sole_trader: '00000000-0000-4000-8000-00000000000f',
  financial_difficulty: '00000000-0000-4000-8000-000000000010'
}

t.test('every field of every transaction and account of each profile\'s customer fits Bud\'s schemas', async (t) => {
  const h = await build(t)
  for (const [profile, customer] of Object.entries(PROFILE_CUSTOMERS)) {
    const headers = { 'x-client-id': CLIENT, 'x-customer-id': customer }
    const seen = new Set<string>()
    let token = ''
    let count = 0
    do {
      const res = (await h.inject({ url: `/financial/v2/transactions?page_size=200${token}`, headers })).json()
      for (const txn of res.data) {
        if (!ajv.validate('Transaction', txn)) t.fail(`${profile}: ${JSON.stringify(txn).slice(0, 300)}: ${ajv.errorsText()}`)
        collectFields(txn, '', seen)
        count++
      }
      token = res.metadata.next_page_token === undefined ? '' : `&page_token=${res.metadata.next_page_token as string}`
    } while (token !== '')
    t.ok(count > 100, `${profile}: ${count} transactions fit`)
    for (const field of ['suggested_logo', 'transaction_type.description', 'enrichments.categories.l2.confidence', 'enrichments.merchant.logo', 'enrichments.merchant.tokens', 'enrichments.regularity.predicted_date_times', 'enrichments.regularity.group_label', 'labels']) {
      t.ok(seen.has(field), `${profile}: ${field} is filled`)
    }
    const accounts = (await h.inject({ url: '/financial/v3/accounts?include_all_balances=true', headers })).json().data
    for (const account of accounts) if (!ajv.validate('AccountV3', account)) t.fail(`${profile}: ${ajv.errorsText()}`)
    t.ok(accounts.every((a: { provider_logo?: string }) => a.provider_logo?.includes('/logos/providers/')), `${profile}: accounts carry provider_logo`)
  }
  const salaried = (await h.inject({ url: '/financial/v2/transactions?page_size=200', headers: { 'x-client-id': CLIENT, 'x-customer-id': PROFILE_CUSTOMERS.salaried } })).json().data as Record<string, Record<string, unknown>>[]
  const tagged = async (query: string) => ((await h.inject({ url: `/financial/v2/transactions?page_size=200&${query}`, headers: { 'x-client-id': CLIENT, 'x-customer-id': PROFILE_CUSTOMERS.salaried } })).json().data as { tags?: string[] }[]).map((x) => x.tags ?? [])
  const bills = await tagged('include_tags=bill,subscription')
  t.ok(bills.length > 5 && bills.every((tags) => tags.includes('bill') || tags.includes('subscription')), `include_tags: ${bills.length} bills and subscriptions`)
  const notPending = await tagged('exclude_tags=pending&date_from=2026-11-13')
  t.ok(notPending.length > 0 && notPending.every((tags) => !tags.includes('pending')), 'exclude_tags leaves out what carries the tag')
  t.equal(notPending.length + (await tagged('include_tags=pending&date_from=2026-11-13')).length, (await tagged('date_from=2026-11-13')).length, 'and only that')
  t.ok(salaried.some((x) => x.enrichments?.processor !== undefined), 'a processor where the raw text names one')
  t.ok(salaried.some((x) => x.enrichments?.location !== undefined), 'a location for in-store card payments')
  const confidences = new Set(salaried.flatMap((x) => x.enrichments === undefined ? [] : [(x.enrichments.categories as { l2: { confidence: string } }).l2.confidence]))
  t.ok(confidences.size > 5, `confidences vary: ${[...confidences].sort().join(', ')}`)
  const cards = (await h.inject({ url: '/financial/v3/accounts', headers: { 'x-client-id': CLIENT, 'x-customer-id': PROFILE_CUSTOMERS.salaried } })).json().data.filter((a: { account_type: string }) => a.account_type === 'credit_card')
  t.match(cards, [{ credit_lines: { limit: { amount: { value: '4000.00', currency: 'GBP' } } } }], 'a credit card carries its limit')
})

function collectFields (value: unknown, path: string, into: Set<string>): void {
  if (Array.isArray(value)) {
    into.add(path)
    for (const item of value) collectFields(item, path, into)
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) collectFields(v, path === '' ? k : `${path}.${k}`, into)
  } else {
    into.add(path)
  }
}

t.test('what a test adds at the bank is enriched by the same rules as what the sandbox generates', async (t) => {
  const h = await build(t)
  const added = await h.inject({
    method: 'POST',
    url: `/__admin/customers/${PROFILE_CUSTOMERS.salaried}/connections/Bank_Of_Bud/transactions`,
    payload: {
      transactions: [
        { description: 'TESCO STORES 3297 LEEDS', amount: { value: '23.10' }, credit_debit_indicator: 'debit' },
        { description: 'RENT', amount: { value: '650.00' }, credit_debit_indicator: 'debit' },
        { description: 'ACME LTD SALARY', amount: { value: '2100.00' }, credit_debit_indicator: 'credit' },
        { description: 'J BLOGGS', amount: { value: '20.00' }, credit_debit_indicator: 'credit' }
      ]
    }
  })
  t.equal(added.statusCode, 201)
  await h.refresh({ provider: 'Bank_Of_Bud' })
  h.advance('PT3S')
  const ids = added.json().transactions.map((x: { transaction_id: string }) => x.transaction_id)
  const all = (await h.inject({ url: '/financial/v2/transactions?page_size=200', headers: { 'x-client-id': CLIENT, 'x-customer-id': PROFILE_CUSTOMERS.salaried } })).json().data as { transaction_id: string, enrichments: { categories: { l1: { slug: string }, l2: { slug: string, confidence: string } }, merchant?: { slug: string } }, suggested_logo?: string }[]
  const [tesco, rent, salary, unknown] = ids.map((id: string) => all.find((x) => x.transaction_id === id)!)
  t.match(tesco, { enrichments: { merchant: { slug: 'tesco' }, categories: { l2: { slug: 'groceries' } } }, suggested_logo: /\/logos\/merchants\/.+\/tesco\.svg$/ })
  t.match(rent, { enrichments: { categories: { l1: { slug: 'mortgage_and_rent' }, l2: { slug: 'rent' } } } }, 'RENT is rent, not a transfer')
  t.match(salary, { enrichments: { categories: { l1: { slug: 'income' }, l2: { slug: 'salary' } } } })
  t.match(unknown, { enrichments: { categories: { l2: { slug: 'other_income' } } } })
  t.ok(Number(unknown.enrichments.categories.l2.confidence) < 0.8, 'a guess is less sure than a known merchant')
})

t.test('the logos load from the sandbox: SVG, cacheable for a year, the same bytes every time; an unknown one is a 404', async (t) => {
  const h = await build(t)
  const address = await h.app.listen({ port: 0, host: '127.0.0.1' })
  const headers = { 'x-client-id': 'logos', 'x-customer-id': PROFILE_CUSTOMERS.salaried }
  const page = await (await fetch(`${address}/financial/v2/transactions?page_size=200`, { headers })).json() as { data: { suggested_logo?: string, enrichments?: { processor?: { logo: string } } }[] }
  const logos = new Set(page.data.flatMap((x) => [x.suggested_logo, x.enrichments?.processor?.logo]).filter((x): x is string => x !== undefined))
  t.ok(logos.size > 10, `${logos.size} logos`)
  for (const url of logos) {
    t.equal(new URL(url).origin, address, 'on the sandbox\'s own host')
    const res = await fetch(url)
    t.equal(res.status, 200, url)
    t.equal(res.headers.get('content-type'), 'image/svg+xml')
    t.match(res.headers.get('cache-control'), /max-age=31536000/)
    const body = await res.text()
    t.match(body, /^<svg /)
    t.equal(await (await fetch(url)).text(), body, 'the same bytes again')
  }
  const accounts = await (await fetch(`${address}/financial/v3/accounts`, { headers })).json() as { data: { provider_logo: string }[] }
  t.equal((await fetch(accounts.data[0]!.provider_logo)).status, 200, 'the provider\'s logo')
  const missing = await fetch(`${address}/logos/merchants/00000000-0000-4000-8000-000000000000/tesco.svg`)
  t.equal(missing.status, 404)
  t.match(await missing.json(), { code_id: 'unknown' })
})

t.test('another process generates the same life: descriptions, amounts, ids and enrichments', async (t) => {
  // What a year of one customer at two banks reads as, in one line per transaction.
  const script = `
    import { createHash } from 'node:crypto'
    import { entriesOn, openBank } from './src/domain/data/bank.ts'
    const hash = createHash('sha256')
    for (const [provider, ordinal] of [['Bank_Of_Bud', 0], ['Natwest_Sandbox', 1]]) {
      const bank = openBank('same-everywhere', provider, { profile: 'salaried', ordinal }, ${T0})
      for (let day = ${TODAY - YEAR_DAYS}; day < ${TODAY}; day++) {
        for (const e of entriesOn(bank, day)) hash.update([e.bookedId, e.pendingId, e.dateMs, e.amountPence, e.description, e.kind.l2, e.kind.merchant?.slug, e.regular?.group, JSON.stringify(e.detail)].join('|') + '\\n')
      }
    }
    process.stdout.write(hash.digest('hex'))`
  const here = createHash('sha256')
  for (const [provider, ordinal] of [['Bank_Of_Bud', 0], ['Natwest_Sandbox', 1]] as const) {
    const bank = openBank('same-everywhere', provider, { profile: 'salaried', ordinal }, T0)
    for (let day = TODAY - YEAR_DAYS; day < TODAY; day++) {
      for (const e of entriesOn(bank, day)) here.update([e.bookedId, e.pendingId, e.dateMs, e.amountPence, e.description, e.kind.l2, e.kind.merchant?.slug, e.regular?.group, JSON.stringify(e.detail)].join('|') + '\n')
    }
  }
  const other = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', cwd: join(import.meta.dirname, '..') })
  t.equal(other, here.digest('hex'))
})
