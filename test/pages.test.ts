// The consent pages in a real browser: Debian's Chromium driven by
// playwright-core against the sandbox on a real port. A person approves and
// denies at the mock bank (own licence) and goes through Bud Connect; hostile
// values a client sent are shown as text, never run.
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { chromium, type Browser, type Page } from 'playwright-core'
import t from 'tap'
import { build, CUSTOMERS } from './helper.js'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run']
const CLIENT = 'pages-client'

/** The client's own app: records where the browser lands. */
async function clientApp (t: Tap) {
  const landed: URL[] = []
  const server = createServer((req, res) => {
    if (req.url !== '/favicon.ico') landed.push(new URL(req.url!, 'http://127.0.0.1'))
    res.setHeader('content-type', 'text/html; charset=utf-8')
    res.end('<!doctype html><title>Back at the client</title><h1>Back at the client</h1>')
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => { server.closeAllConnections(); server.close() })
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, landed }
}
type Tap = { teardown (fn: () => unknown): void, fail (message: string): void }

async function setUp (t: Tap & { test: unknown }) {
  const h = await build(t)
  const address = await h.app.listen({ port: 0, host: '127.0.0.1' })
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS })
  t.teardown(() => browser.close())
  const client = await clientApp(t)
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(address + path, { method, headers: { 'x-client-id': CLIENT, 'x-customer-id': CUSTOMERS.healthy, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers }, body: body === undefined ? undefined : JSON.stringify(body) })
    return { status: res.status, json: await res.json() as { data: Record<string, unknown> } }
  }
  return { h, address, browser, client, call }
}

/** Collects script dialogs and CSP violations: a page that runs what a client sent would raise one. */
function watch (page: Page) {
  const alarms: string[] = []
  page.on('dialog', (dialog) => { alarms.push(`dialog: ${dialog.message()}`); dialog.dismiss().catch(() => {}) })
  page.on('console', (message) => { if (/Content Security Policy|Refused/.test(message.text())) alarms.push(message.text()) })
  return alarms
}

t.test('own licence: a person approves at the mock bank, then denies another request', async (t) => {
  if (!existsSync(CHROMIUM)) return t.fail(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`)
  const { h, address, browser, client, call } = await setUp(t)
  const started = await call('POST', '/v1/open-banking/authorisation-url', { provider: 'Monzo_Sandbox', provider_redirect_url: `${client.base}/callback` })
  h.advance('PT1S')
  const { data } = (await call('GET', `/v1/open-banking/authorisation-url/${started.json.data.task_id as string}`)).json
  t.equal(new URL(data.url as string).origin, address, 'the bank\'s URL points at the sandbox the client called')

  const page = await browser.newPage()
  const alarms = watch(page)
  await page.goto(data.url as string)
  t.equal(await page.title(), 'Monzo Sandbox: share your data?')
  t.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Monzo Sandbox')
  await page.getByRole('button', { name: 'Approve' }).click()
  await page.getByRole('heading', { name: 'Back at the client' }).waitFor()
  const back = client.landed.at(-1)!
  t.equal(back.pathname, '/callback')
  t.equal(back.searchParams.get('state'), started.json.data.task_id)
  const submitted = await call('POST', '/v2/open-banking/authorisation-codes', Object.fromEntries(back.searchParams))
  t.equal(submitted.status, 202)
  h.advance('PT3S')
  const connect = (await call('GET', `/v1/open-banking/connect/${submitted.json.data.task_id as string}`)).json
  t.same([connect.data.status, connect.data.step], ['Completed', 4])

  const second = await call('POST', '/v1/open-banking/authorisation-url', { provider: 'Bank_Of_Bud', provider_redirect_url: `${client.base}/callback` })
  h.advance('PT1S')
  const secondUrl = (await call('GET', `/v1/open-banking/authorisation-url/${second.json.data.task_id as string}`)).json.data.url as string
  await page.goto(secondUrl)
  await page.getByRole('button', { name: 'Deny' }).click()
  await page.getByRole('heading', { name: 'Back at the client' }).waitFor()
  t.equal(client.landed.at(-1)!.searchParams.get('error'), 'access_denied')
  await page.goto(secondUrl)
  t.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Already answered')
  t.same(alarms, [], 'no script ran and the policy was never broken')
})

t.test('through Bud Connect: choose a provider by its button, approve, land on redirect_url with status and task_id', async (t) => {
  if (!existsSync(CHROMIUM)) return t.fail(`Chromium not found at ${CHROMIUM}`)
  const { h, browser, client, call } = await setUp(t)
  const link = (await call('POST', '/v2/open-banking/authorisation-gateway-url', { redirect_url: `${client.base}/connected?mine=1` })).json.data.url as string
  const page = await browser.newPage()
  const alarms = watch(page)
  await page.goto(link)
  t.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Choose your bank')
  await page.getByRole('button', { name: 'Monzo Sandbox' }).click()
  await page.getByRole('button', { name: 'Approve' }).click()
  await page.getByRole('heading', { name: 'Back at the client' }).waitFor()
  const back = client.landed.at(-1)!
  t.same([back.pathname, back.searchParams.get('mine'), back.searchParams.get('status')], ['/connected', '1', 'success'])
  h.advance('PT3S')
  const connect = (await call('GET', `/v1/open-banking/connect/${back.searchParams.get('task_id')!}`)).json
  t.same([connect.data.status, connect.data.result], ['Completed', 'success'])

  h.advance('PT31M')
  const expired = await page.goto(link)
  t.equal(expired!.status(), 410)
  t.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'This link has expired')
  t.same(alarms, [])
})

t.test('hostile values a client sent are shown as text on every page, and the policy forbids scripts', async (t) => {
  if (!existsSync(CHROMIUM)) return t.fail(`Chromium not found at ${CHROMIUM}`)
  const { h, browser, client, call } = await setUp(t)
  const evil = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
  const hostileClient = { 'x-client-id': `${CLIENT}${evil}` }
  const page = await browser.newPage()
  const alarms = watch(page)

  // The client id on the bank's page; the redirect URL's own parameters on the way back.
  const started = await call('POST', '/v1/open-banking/authorisation-url', { provider: 'Monzo_Sandbox', provider_redirect_url: `${client.base}/cb?x=${encodeURIComponent(evil)}` }, hostileClient)
  t.equal(started.status, 202)
  h.advance('PT1S')
  const url = (await call('GET', `/v1/open-banking/authorisation-url/${started.json.data.task_id as string}`, undefined, hostileClient)).json.data.url as string
  const response = await page.goto(url)
  t.match(response!.headers()['content-security-policy'], /default-src 'none'/)
  t.match(await page.locator('main p.lead').innerText(), evil, 'the client id is shown as the text it is')
  t.equal(await page.locator('script').count(), 0)
  await page.getByRole('button', { name: 'Approve' }).click()
  await page.getByRole('heading', { name: 'Back at the client' }).waitFor()
  t.equal(client.landed.at(-1)!.searchParams.get('x'), evil, 'the redirect keeps its parameters, encoded')

  // A provider name in the fixtures' hands is not the client's; the pages' own forms take what they are sent.
  const link = (await call('POST', '/v2/open-banking/authorisation-gateway-url', { redirect_url: `${client.base}/connected?q=${encodeURIComponent(evil)}`, initial_screen: 'revoke_consent' }, hostileClient)).json.data.url as string
  await page.goto(link)
  t.equal(await page.locator('script').count(), 0)
  const choice = await page.request.post(`${link}/provider`, { form: { provider: evil } })
  t.equal(choice.status(), 400)
  t.notMatch(await choice.text(), /<script>alert/, 'an error page escapes what it repeats')
  const screen = await page.goto(`${link}?screen=${encodeURIComponent(evil)}`)
  t.equal(screen!.status(), 200, 'an unknown screen falls back to the link\'s own')
  t.same(alarms, [], 'no script ran and the policy was never broken')
})

t.test('the stand-in for the client\'s app shows what a redirect brought and the call to make next, as text', async (t) => {
  if (!existsSync(CHROMIUM)) return t.fail(`Chromium not found at ${CHROMIUM}`)
  const { address, browser, call } = await setUp(t)
  const link = (await call('POST', '/v2/open-banking/authorisation-gateway-url', { redirect_url: `${address}/sandbox/callback?mine=<b>1</b>` })).json.data.url as string
  const page = await browser.newPage()
  const alarms = watch(page)
  await page.goto(link)
  await page.getByRole('button', { name: 'Monzo Sandbox' }).click()
  await page.getByRole('button', { name: 'Approve' }).click()
  await page.getByRole('heading', { name: 'Your app would receive this' }).waitFor()
  const rows = await page.locator('tr').allInnerTexts()
  t.same(rows.map((r) => r.split('\t')[0]), ['mine', 'status', 'task_id'])
  t.match(rows[0], /<b>1<\/b>/, 'a value shown as text')
  const taskId = new URL(page.url()).searchParams.get('task_id')!
  t.match(await page.locator('main').innerText(), `Poll GET /v1/open-banking/connect/${taskId} until it ends (status success)`)

  await page.goto(`${address}/sandbox/callback?code=c0de&state=s1`)
  t.match(await page.locator('main').innerText(), /POST \/v2\/open-banking\/authorisation-codes/)
  t.same(alarms, [])
})

t.test('every page fits a desktop and a phone: no sideways scroll, buttons a thumb can hit; screenshots for docs/connect.md', async (t) => {
  if (!existsSync(CHROMIUM)) return t.fail(`Chromium not found at ${CHROMIUM}`)
  const { h, address, browser, call } = await setUp(t)
  // UPDATE_SCREENSHOTS=1 writes them where docs/connect.md shows them; otherwise they are taken and thrown away.
  const shots = process.env.UPDATE_SCREENSHOTS === '1' ? join(import.meta.dirname, '..', 'docs', 'images') : t.testdir()
  const gateway = async (screen?: string) => (await call('POST', '/v2/open-banking/authorisation-gateway-url', { redirect_url: `${address}/sandbox/callback`, ...(screen === undefined ? {} : { initial_screen: screen }) })).json.data.url as string
  const started = await call('POST', '/v1/open-banking/authorisation-url', { provider: 'Monzo_Sandbox', provider_redirect_url: `${address}/sandbox/callback` })
  h.advance('PT1S')
  const bank = (await call('GET', `/v1/open-banking/authorisation-url/${started.json.data.task_id as string}`)).json.data.url as string
  const pages = {
    bank,
    choose: await gateway(),
    summary: await gateway('accounts_summary'),
    revoke: await gateway('revoke_consent'),
    callback: `${address}/sandbox/callback?status=success&task_id=${started.json.data.task_id as string}`
  }
  for (const [device, viewport] of Object.entries({ desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } })) {
    const page = await browser.newPage({ viewport, deviceScaleFactor: device === 'phone' ? 2 : 1 })
    for (const [name, url] of Object.entries(pages)) {
      await page.goto(url)
      const layout = {
        overflow: await page.locator('html').evaluate((html) => html.scrollWidth - html.clientWidth),
        buttons: await page.locator('button').evaluateAll((buttons) => buttons.map((b) => { const r = b.getBoundingClientRect(); return { text: b.textContent, left: r.left, right: r.right, height: r.height } }))
      }
      t.equal(layout.overflow, 0, `${name} on a ${device}: nothing wider than the screen`)
      t.same(layout.buttons.filter((b) => b.left < 0 || b.right > viewport.width || b.height < 44).map((b) => b.text), [], `${name} on a ${device}: every button on screen and at least 44 px tall`)
      await page.screenshot({ path: join(shots, `${name}-${device}.png`), fullPage: true })
    }
    await page.close()
  }
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 } })
  await phone.goto(pages.bank)
  const [approve, deny] = await Promise.all(['Approve', 'Deny'].map(async (name) => (await phone.getByRole('button', { name }).boundingBox())!))
  t.ok(approve!.width > 300 && deny!.width > 300 && deny!.y > approve!.y, 'on a phone the bank\'s answers fill the width, one above the other')
  t.match(await phone.locator('.terms').innerText(), /90 days, until \d{1,2} [A-Z][a-z]+ \d{4}/, 'the consent\'s end as a date')
})

t.test('a spending screen built on the data shows every logo, loaded from the sandbox with no internet', async (t) => {
  if (!existsSync(CHROMIUM)) return t.fail(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`)
  const { browser, call } = await setUp(t)
  const transactions = (await call('GET', '/financial/v2/transactions?page_size=50')).json.data as unknown as { suggested_description: string, suggested_logo?: string }[]
  const accounts = (await call('GET', '/financial/v3/accounts')).json.data as unknown as { provider_logo: string }[]
  const logos = [...new Set([...transactions.flatMap((x) => x.suggested_logo ?? []), ...accounts.map((a) => a.provider_logo)])]
  t.ok(logos.length > 10, `${logos.length} logos`)
  // The client's own page (no sandbox page shows logos): each row an image and a name, the page offline but for the sandbox.
  const page = await browser.newPage()
  const asked: string[] = []
  await page.route('**/*', (route) => {
    asked.push(route.request().url())
    return new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort()
  })
  await page.setContent(`<!doctype html><ul>${logos.map((src) => `<li><img src="${src}" width="32" height="32" alt=""></li>`).join('')}</ul>`, { waitUntil: 'load' })
  const loaded = await page.locator('img').evaluateAll((images) => (images as unknown as { src: string, complete: boolean, naturalWidth: number }[]).map((img) => ({ src: img.src, complete: img.complete, width: img.naturalWidth })))
  t.same(loaded.filter((img) => !img.complete || img.width === 0).map((img) => img.src), [], 'every image rendered')
  t.ok(asked.every((url) => url.startsWith('http://127.0.0.1:')), 'nothing asked of the internet')
})
