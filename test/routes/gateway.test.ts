// Bud Connect (TPP): the link, its 30 minutes, the pages' screens and where
// they send the customer, driven by form POSTs as a script would.
import t from 'tap'
import { build, CLIENT, CUSTOMERS, failedValidation, type Harness } from '../helper.js'

const HEADERS = { 'x-client-id': CLIENT, 'x-customer-id': CUSTOMERS.healthy }
const REDIRECT = 'http://127.0.0.1:3000/connected?my-parameter=xyz'
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }

async function link (h: Harness, body: Record<string, unknown>) {
  const made = await h.inject({ method: 'POST', url: '/v2/open-banking/authorisation-gateway-url', headers: HEADERS, payload: body })
  return made
}
const pathOf = (url: string) => new URL(url).pathname
const post = (h: Harness, url: string, form: string) => h.inject({ method: 'POST', url, payload: form, headers: FORM })

t.test('through Bud Connect: choose a provider, approve at the bank, back to redirect_url with status and task_id, its own parameters kept', async (t) => {
  const h = await build(t)
  const made = await link(h, { redirect_url: REDIRECT })
  t.equal(made.statusCode, 201)
  const url = made.json().data.url as string
  t.match(url, /^http:\/\/localhost(:\d+)?\/sandbox-connect\/[0-9a-f-]{36}$/)

  const page = await h.inject({ url: pathOf(url) })
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /^text\/html/)
  t.match(page.headers['content-security-policy'], /default-src 'none'/)
  for (const name of ['Bank of Bud', 'NatWest Sandbox', 'Monzo Sandbox', 'Starling Business Sandbox']) t.match(page.body, new RegExp(`<button type="submit" name="provider" value="[^"]+" class="choice"><img[^>]*> ${name}</button>`))
  t.notMatch(page.body, /Maintenance Bank/, 'a provider in maintenance is not offered')

  const chosen = await post(h, `${pathOf(url)}/provider`, 'provider=Monzo_Sandbox')
  t.equal(chosen.statusCode, 303)
  t.match(chosen.headers.location, /^\/sandbox-bank\/authorise\//)
  const bank = await h.inject({ url: chosen.headers.location as string })
  t.match(bank.body, /<h1>Monzo Sandbox<\/h1>/)
  const back = await post(h, chosen.headers.location as string, 'decision=approve')
  t.equal(back.statusCode, 303)
  const location = new URL(back.headers.location as string)
  t.equal(location.origin + location.pathname, 'http://127.0.0.1:3000/connected')
  t.same([location.searchParams.get('my-parameter'), location.searchParams.get('status')], ['xyz', 'success'])
  const taskId = location.searchParams.get('task_id')!
  h.advance('PT3S')
  const connect = (await h.inject({ url: `/v1/open-banking/connect/${taskId}`, headers: HEADERS })).json()
  t.same([connect.data.status, connect.data.step, connect.data.result], ['Completed', 4, 'success'])
})

t.test('one provider named: the choice is skipped; denial sends status=failure and the task fails auth_denied', async (t) => {
  const h = await build(t)
  const url = (await link(h, { redirect_url: REDIRECT, providers: ['Monzo_Sandbox'] })).json().data.url as string
  const opened = await h.inject({ url: pathOf(url) })
  t.equal(opened.statusCode, 303)
  t.match(opened.headers.location, /^\/sandbox-bank\/authorise\//)
  const back = new URL((await post(h, opened.headers.location as string, 'decision=deny')).headers.location as string)
  t.equal(back.searchParams.get('status'), 'failure')
  h.advance('PT3S')
  const connect = (await h.inject({ url: `/v1/open-banking/connect/${back.searchParams.get('task_id')!}`, headers: HEADERS })).json()
  t.same([connect.data.status, connect.data.result], ['Failed', 'auth_denied'])
  const again = await post(h, opened.headers.location as string, 'decision=approve')
  t.equal(again.statusCode, 409, 'an answered authorisation cannot be answered again')
  t.match(again.body, /already/)
})

t.test('a link is valid for 30 minutes on the sandbox clock; then its page says so with 410', async (t) => {
  const h = await build(t)
  const url = (await link(h, { redirect_url: REDIRECT })).json().data.url as string
  h.advance('PT29M')
  t.equal((await h.inject({ url: pathOf(url) })).statusCode, 200)
  h.advance('PT1M')
  const expired = await h.inject({ url: pathOf(url) })
  t.equal(expired.statusCode, 410)
  t.match(expired.body, /This link has expired/)
  t.equal((await post(h, `${pathOf(url)}/provider`, 'provider=Monzo_Sandbox')).statusCode, 410, 'and nothing can be done through it')
  t.equal((await h.inject({ url: '/sandbox-connect/00000000-0000-4000-8000-000000000000' })).statusCode, 404)
})

t.test('provider_types narrows the choice; validation; all providers in maintenance is a 422', async (t) => {
  const h = await build(t)
  const business = (await link(h, { redirect_url: REDIRECT, provider_types: ['business'] })).json().data.url as string
  const page = (await h.inject({ url: pathOf(business) })).body
  t.match(page, /Starling Business Sandbox/)
  t.notMatch(page, /Monzo Sandbox/)
  t.same((await link(h, {})).json(), failedValidation('v2_ob_authorisation_gateway_url_post', { redirect_url: 'This value should not be blank' }))
  t.same((await link(h, { redirect_url: 'javascript:alert(1)' })).json(), failedValidation('v2_ob_authorisation_gateway_url_post', { redirect_url: 'This value should be an http or https URL' }))
  t.same((await link(h, { redirect_url: REDIRECT, providers: ['Nope'] })).json().errors, { 'providers[0]': '"Nope" is not a provider; Retrieve OB Providers lists them' })
  const maintenance = await link(h, { redirect_url: REDIRECT, providers: ['Maintenance_Bank'] })
  t.equal(maintenance.statusCode, 422)
  t.equal(maintenance.json().code_id, 'provider_maintenance')
})

t.test('initial_screen reconfirm_consent: renew before expiry goes straight back; after expiry through the bank', async (t) => {
  const h = await build(t)
  h.advance('P85D')
  const url = (await link(h, { redirect_url: REDIRECT, initial_screen: 'reconfirm_consent' })).json().data.url as string
  const page = await h.inject({ url: pathOf(url) })
  t.match(page.body, /<button type="submit">Renew Bank of Bud<\/button>/, 'the provider by its display name, as the chooser shows it')
  // 85 days in, the consent given at the start expires 5 days on: 2027-02-21, written as a date.
  t.match(page.body, /<td data-label="Expires">21 February 2027<\/td>/)
  t.notMatch(page.body, /Bank_Of_Bud</)
  const consentId = /name="consent_id" value="([^"]+)"/.exec(page.body)![1]!
  const renewed = await post(h, `${pathOf(url)}/reconfirm`, `consent_id=${consentId}`)
  t.same(Object.fromEntries(new URL(renewed.headers.location as string).searchParams), { 'my-parameter': 'xyz', status: 'success' })
  const consent = (await h.inject({ url: '/v1/open-banking/account-access-consents', headers: HEADERS })).json().data.find((c: { id: string }) => c.id === consentId)
  t.equal(Date.parse(consent.expiration_date), h.clock.nowMs() + 90 * 86_400_000)

  h.advance('P6D')
  const later = (await link(h, { redirect_url: REDIRECT, initial_screen: 'reconfirm_consent' })).json().data.url as string
  const natwest = /name="consent_id" value="([^"]+)"><button type="submit">Renew NatWest Sandbox/.exec((await h.inject({ url: pathOf(later) })).body)![1]!
  const toBank = await post(h, `${pathOf(later)}/reconfirm`, `consent_id=${natwest}`)
  t.match(toBank.headers.location, /^\/sandbox-bank\/authorise\//, 'an expired consent is re-authenticated at the bank')
  const back = new URL((await post(h, toBank.headers.location as string, 'decision=approve')).headers.location as string)
  t.equal(back.searchParams.get('status'), 'success')
  h.advance('PT3S')
  const renewedNatwest = (await h.inject({ url: '/v1/open-banking/account-access-consents', headers: HEADERS })).json().data.find((c: { id: string }) => c.id === natwest)
  t.equal(renewedNatwest.status, 'authorised', 'the same consent, authorised for 90 more days')
})

t.test('initial_screen revoke_consent and accounts_summary', async (t) => {
  const h = await build(t)
  const revoke = (await link(h, { redirect_url: REDIRECT, initial_screen: 'revoke_consent' })).json().data.url as string
  t.match((await h.inject({ url: pathOf(revoke) })).body, /Revoke NatWest Sandbox/)
  const back = await post(h, `${pathOf(revoke)}/revoke`, 'provider=Natwest_Sandbox')
  t.equal(new URL(back.headers.location as string).searchParams.get('status'), 'success')
  const active = (await h.inject({ url: '/v1/open-banking/account-access-consents', headers: HEADERS })).json().data
  t.same(active.map((c: { provider: string }) => c.provider), ['Bank_Of_Bud'])

  const summary = (await link(h, { redirect_url: REDIRECT, initial_screen: 'accounts_summary' })).json().data.url as string
  const page = (await h.inject({ url: pathOf(summary) })).body
  t.match(page, /What you share/)
  t.match(page, /Bank of Bud: Current Account<\/span> <span class="amount">\d+\.\d\d GBP/)
  t.notMatch(page, /NatWest Sandbox:/, 'a revoked consent\'s accounts are not shown')
  const done = await post(h, `${pathOf(summary)}/done`, '')
  t.equal(new URL(done.headers.location as string).searchParams.get('status'), 'success')
  t.equal((await h.inject({ url: `${pathOf(summary)}?screen=connect_accounts` })).statusCode, 200)
})
