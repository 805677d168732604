// Retrieve OB Providers: the fixtures' providers, filters, and maintenance on the sandbox clock.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { DEFAULT_FIXTURES, loadFixtures } from '../../src/fixtures.js'
import { build, CLIENT, failedValidation } from '../helper.js'

interface Shown { provider: string, display_name: string, maintenance_status: string, maintenance_window: unknown, icon: string, regions: string[], mobile_only: boolean }
const list = async (h: Awaited<ReturnType<typeof build>>, query = '') => (await h.inject({ url: `/v1/open-banking/providers${query}`, headers: { 'x-client-id': CLIENT } })).json().data as Shown[]

t.test('every provider of the default fixtures, including two a new customer is not connected to', async (t) => {
  const h = await build(t)
  const shown = await list(h)
  t.same(shown.map((p) => [p.provider, p.display_name, p.maintenance_status, p.mobile_only]), [
    ['Bank_Of_Bud', 'Bank of Bud', 'inactive', false],
    ['Natwest_Sandbox', 'NatWest Sandbox', 'inactive', false],
    ['Maintenance_Bank', 'Maintenance Bank', 'active', false],
    ['Monzo_Sandbox', 'Monzo Sandbox', 'inactive', true],
    ['Starling_Business_Sandbox', 'Starling Business Sandbox', 'inactive', false]
  ])
  for (const p of shown) {
    t.match(p.icon, /^data:image\/svg\+xml,/, `${p.provider} has an icon`)
    t.same(p.regions, ['GBR'])
    t.equal(p.maintenance_window, null)
  }
  const created = await h.createCustomer()
  const connected = (await h.inject({ url: `/__admin/customers/${created.json().data.customer_id as string}` })).json().connections.map((c: { provider: string }) => c.provider)
  t.same(connected, ['Bank_Of_Bud', 'Natwest_Sandbox'], 'a new customer has two of them')
})

t.test('filters: type, scope, region; a value Bud does not list is a 400 naming the filter', async (t) => {
  const h = await build(t)
  t.same((await list(h, '?types=business')).map((p) => p.provider), ['Starling_Business_Sandbox'])
  t.same((await list(h, '?scopes=direct-debits')).map((p) => p.provider), ['Starling_Business_Sandbox'])
  t.equal((await list(h, '?region=GBR')).length, 5)
  const bad = await h.inject({ url: '/v1/open-banking/providers?types=crypto', headers: { 'x-client-id': CLIENT } })
  t.equal(bad.statusCode, 400)
  t.same(bad.json(), failedValidation('open_banking_providers_get', { types: 'This value should be one of sandbox, business, retail' }))
})

t.test('a maintenance window is kept on the sandbox clock: the status and refreshes follow it', async (t) => {
  const raw = JSON.parse(readFileSync(DEFAULT_FIXTURES, 'utf8'))
  raw.providers[0].maintenance_window = { start: '2026-11-23T13:00:00Z', end: '2026-11-23T14:00:00Z' }
  const file = join(t.testdir({}), 'window.json')
  writeFileSync(file, JSON.stringify(raw))
  const h = await build(t, { fixtures: loadFixtures(file, { checkSchema: true }) })
  const bank = async () => (await list(h)).find((p) => p.provider === 'Bank_Of_Bud')!
  t.match(await bank(), { maintenance_status: 'inactive', maintenance_window: { start: '2026-11-23T13:00:00.000Z', end: '2026-11-23T14:00:00.000Z' } })
  t.equal((await h.refresh({ provider: 'Bank_Of_Bud' })).statusCode, 202, 'before the window')
  h.advance('PT1H30M')
  t.equal((await bank()).maintenance_status, 'active')
  const during = await h.refresh({ provider: 'Bank_Of_Bud' }, { 'x-customer-id': '00000000-0000-4000-8000-0000000000ff' })
  t.equal(during.statusCode, 400)
  t.equal(during.json().code_id, 'provider_maintenance')
  h.advance('PT1H')
  t.equal((await bank()).maintenance_status, 'inactive', 'after the window')
  t.equal((await h.refresh({ provider: 'Bank_Of_Bud' }, { 'x-customer-id': '00000000-0000-4000-8000-0000000000ff' })).statusCode, 202)
})
