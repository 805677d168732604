// Issue 24's "done when", as an integrator's test suite would run it: over
// real HTTP, AUTH on, no sleeps — create a customer, read its first pull,
// change the bank, refresh, read what the refresh brought, delete the customer.
import { createRemoteJWKSet, jwtVerify } from 'jose'
import { once } from 'node:events'
import t from 'tap'
import { build, webhookReceiver } from './helper.js'

t.test('create, read, add at the bank, refresh V2, read the new data, walk the pages, delete', async (t) => {
  const h = await build(t, { config: { auth: 'on' } })
  const base = await h.app.listen({ port: 0, host: '127.0.0.1' })
  const { url: receiverUrl, received } = await webhookReceiver(t)
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}${path}`, { method, headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers }, body: body === undefined ? undefined : JSON.stringify(body) })
    return { status: res.status, json: res.status === 204 ? undefined : await res.json() as any }
  }
  const token = (await (await fetch(`${base}/v1/oauth/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from('data-journey:secret').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials'
  })).json() as { data: { access_token: string } }).data.access_token
  const client = { authorization: `Bearer ${token}`, 'x-client-id': 'data-journey' }
  t.equal((await call('PUT', '/__admin/clients/data-journey/webhook', { url: receiverUrl, events: ['open_banking.v2.refresh.completed'] })).status, 200)

  const created = await call('POST', '/platform/v3/customers', { client_metadata: { idempotent_identifier: 'journey-1' } }, client)
  t.equal(created.status, 201)
  const customer = { ...client, 'x-customer-id': created.json.data.customer_id as string }
  const transactions = async () => {
    const all: { transaction_id: string, description: string, account_id: string }[] = []
    let next = '/financial/v2/transactions?page_size=25'
    for (;;) {
      const page = await call('GET', next, undefined, customer)
      t.equal(page.status, 200)
      all.push(...page.json.data)
      const token = page.json.metadata.next_page_token
      if (token === undefined) return all
      next = `/financial/v2/transactions?page_size=25&page_token=${token}`
    }
  }
  const first = await transactions()
  t.ok(first.length > 25, 'the first pull spans several pages')
  t.equal(new Set(first.map((x) => x.transaction_id)).size, first.length, 'no transaction twice across pages')

  const accounts = (await call('GET', '/financial/v3/accounts?provider=Natwest_Sandbox&account_type=current_account', undefined, customer)).json.data
  t.equal(accounts.length, 1)
  const added = await call('POST', `/__admin/customers/${customer['x-customer-id']}/connections/Natwest_Sandbox/transactions`, {
    transactions: [{ description: 'BONUS', amount: { value: '300.00', currency: 'GBP' }, credit_debit_indicator: 'credit' }]
  })
  t.equal(added.status, 201)
  t.notOk((await transactions()).some((x) => x.description === 'BONUS'))

  const refresh = await call('POST', '/open-banking/v2/refresh', {}, customer)
  t.equal(refresh.status, 202)
  const delivered = once(h.app.webhooks, 'attempt')
  await call('POST', '/__admin/clock', { advance: 'PT3S' })
  await delivered
  const status = await call('GET', `/open-banking/v2/refresh/${refresh.json.data.task_id}`, undefined, customer)
  t.match(status.json, { data: { status: 'Completed', result: 'success', has_new_transactions: true } })
  const bonus = (await transactions()).find((x) => x.description === 'BONUS')
  t.equal(bonus?.account_id, accounts[0].account_id, 'on the account it was added to')

  const jwks = createRemoteJWKSet(new URL(`${base}/bud-callback.jwks`))
  const { payload } = await jwtVerify(String(received[0]!.headers['x-signature']), jwks)
  const natwest = (payload.sub_tasks as { provider: string, account_ids: string[] }[]).find((s) => s.provider === 'Natwest_Sandbox')
  t.ok(natwest?.account_ids.includes(accounts[0].account_id), 'the signed V2 webhook names the accounts the refresh updated')

  const deleted = await call('DELETE', '/platform/v3/customers/idempotent-identifier/journey-1', undefined, client)
  t.equal(deleted.status, 202)
  await call('POST', '/__admin/clock', { advance: 'PT1S' })
  t.same((await call('GET', deleted.json.metadata.next_url, undefined, client)).json.metadata, { status: 'Completed' })
  const gone = await call('GET', '/financial/v3/accounts', undefined, customer)
  t.equal(gone.status, 401)
  t.equal(gone.json.code_id, 'customer_not_found')
})
