// Swagger UI in a real browser: Debian's Chromium, driven by playwright-core,
// against the sandbox listening on a real port.
import { existsSync } from 'node:fs'
import { chromium, type Locator, type Page } from 'playwright-core'
import t from 'tap'
import { loadContract } from '../src/contract.js'
import { build, CUSTOMERS } from './helper.js'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run']

async function tryItOut (page: Page, operationId: string, fields: Record<string, string>): Promise<{ status: string, body: string }> {
  const op: Locator = page.locator(`[id$="-${operationId}"]`)
  // An operation tried before is open and in Try it out already: its last response is cleared instead.
  if (!await op.evaluate((el) => el.classList.contains('is-open'))) await op.locator('.opblock-summary').first().click()
  const tryIt = op.getByRole('button', { name: 'Try it out' })
  if (await tryIt.count() > 0) await tryIt.click()
  const clear = op.getByRole('button', { name: 'Clear' })
  if (await clear.count() > 0) await clear.click()
  for (const [placeholder, value] of Object.entries(fields)) await op.getByPlaceholder(placeholder, { exact: true }).fill(value)
  await op.getByRole('button', { name: 'Execute' }).click()
  const response = op.locator('.live-responses-table .response').first()
  await response.waitFor()
  return {
    status: (await response.locator('.response-col_status').innerText()).trim(),
    body: await response.locator('.response-col_description .microlight, .response-col_description pre').first().innerText()
  }
}

async function authorize (page: Page, scheme: 'BasicAuth' | 'BearerAuth', values: string[]) {
  await page.locator('.btn.authorize').first().click()
  const section = page.locator('.modal-ux .auth-container').filter({ hasText: scheme })
  const inputs = section.locator('input')
  for (const [i, value] of values.entries()) await inputs.nth(i).fill(value)
  await section.locator('button.authorize').click()
  await page.locator('.modal-ux .close-modal').click()
}

t.test('Swagger UI shows every operation and Try it out works against the sandbox', async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.fail(`Chromium not found at ${CHROMIUM}: install it with "apt-get update && apt-get install -y chromium" (or set CHROMIUM_PATH)`)
    return
  }
  // As a user runs it: AUTH=on, so the page must get a token first.
  const h = await build(t, { config: { auth: 'on' } })
  const address = await h.app.listen({ port: 0, host: '127.0.0.1' })
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS })
  t.teardown(() => browser.close())
  const page = await browser.newPage()
  await page.goto(`${address}/docs`)
  await page.locator('.opblock').first().waitFor()

  const ids = await page.locator('.opblock').evaluateAll((els) => els.map((e) => e.id.replace(/^operations-[^-]+-/, '')))
  const documented = Object.values((await loadContract()).document.paths).flatMap((item) => Object.values(item).map((op) => op.operationId))
  t.same(ids.sort(), documented.sort(), 'every documented operation is shown')

  // One Authorize, then Try it out with every field as the document fills it: the token taken
  // authorizes the operations, and they send the client id it was taken for.
  await authorize(page, 'BasicAuth', ['swagger-client', 'any-secret'])
  const issued = await tryItOut(page, 'oauth_token_post', {})
  t.equal(issued.status, '200')
  const { access_token: accessToken } = (JSON.parse(issued.body) as { data: { access_token: string } }).data
  t.match(accessToken, /^[\w-]{40,}$/)
  const asIs = await tryItOut(page, 'open_banking_refresh_post', {})
  t.equal(asIs.status, '202', asIs.body)
  const newCustomer = async () => {
    const made = await tryItOut(page, 'platform_v3_customers_post', {})
    t.equal(made.status, '201', made.body)
    return (JSON.parse(made.body) as { data: { customer_id: string } }).data.customer_id
  }
  t.not(await newCustomer(), await newCustomer(), 'Create Customer\'s first example makes a new customer each time')
  const asked = (await h.inject({ url: '/__admin/requests?limit=3' })).json() as { client_id: string, status: number }[]
  t.same(asked.map((r) => [r.client_id, r.status]), [['swagger-client', 201], ['swagger-client', 201], ['swagger-client', 202]], 'as the client the token was taken for')

  const headers = { 'X-Client-Id': 'swagger-client', 'X-Customer-Id': CUSTOMERS.healthy }
  const created = await tryItOut(page, 'open_banking_refresh_post', headers)
  t.equal(created.status, '202')
  const taskId = (JSON.parse(created.body) as { data: { task_id: string } }).data.task_id
  t.match(taskId, /^[0-9a-f-]{36}$/)

  h.advance('PT3S')
  const polled = await tryItOut(page, 'open_banking_refresh_get', { ...headers, task_id: taskId })
  t.equal(polled.status, '200')
  t.match(JSON.parse(polled.body), { data: { task_id: taskId, status: 'Completed', result: 'success', step: 4 } })

  // The flow Bud recommends: Create Customer V3, then Initiate Refresh V2 with its example body ({}), then its status.
  const customer = await tryItOut(page, 'platform_v3_customers_post', { 'X-Client-Id': 'swagger-client' })
  t.equal(customer.status, '201')
  const customerId = (JSON.parse(customer.body) as { data: { customer_id: string } }).data.customer_id
  t.match(customerId, /^[0-9a-f-]{36}$/)
  const v2Headers = { 'X-Client-Id': 'swagger-client', 'X-Customer-Id': customerId }
  const started = await tryItOut(page, 'v2_open_banking_refresh_post', v2Headers)
  t.equal(started.status, '202')
  const parent = JSON.parse(started.body) as { data: { task_id: string, sub_tasks: { provider: string }[] } }
  t.same(parent.data.sub_tasks.map((s) => s.provider), ['Bank_Of_Bud', 'Natwest_Sandbox'])

  h.advance('PT3S')
  const status = await tryItOut(page, 'v2_open_banking_refresh_get', { ...v2Headers, task_id: parent.data.task_id })
  t.equal(status.status, '200')
  t.match(JSON.parse(status.body), { data: { task_id: parent.data.task_id, status: 'Completed', result: 'success', sub_tasks: [{ status: 'Completed' }, { status: 'Completed' }] } })

  // Once the refresh has completed: the customer's transactions, a page at a time.
  const read = await tryItOut(page, 'v2_transactions_get', { ...v2Headers, page_size: '5' })
  t.equal(read.status, '200')
  const transactions = JSON.parse(read.body) as { data: { provider: string, date_time: string }[], metadata: { results: number, next_page_token?: string } }
  t.equal(transactions.metadata.results, 5)
  t.ok(transactions.metadata.next_page_token, 'more pages follow')
  t.ok(transactions.data.every((x) => ['Bank_Of_Bud', 'Natwest_Sandbox'].includes(x.provider)))
})
