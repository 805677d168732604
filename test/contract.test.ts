// openapi.yaml against Bud's published contract and against the server itself.
import { join } from 'node:path'
import SwaggerParser from '@apidevtools/swagger-parser'
import { Ajv } from 'ajv'
import addFormats from 'ajv-formats'
import t from 'tap'
import { parse } from 'yaml'
import { loadContract, OPENAPI_FILE, OPENAPI_KEYWORDS, OPENAPI_FORMATS, type Contract } from '../src/contract.js'
import { build } from './helper.js'

// The repository's copy of Bud's published contract (see test/reference/README.md).
const BUD_REFERENCE = join(import.meta.dirname, 'reference', 'bud-openapi-journey.yaml')
const BUD_OPERATIONS = [
  'oauth_token_post', 'open_banking_refresh_post', 'open_banking_refresh_get', 'platform_v3_customers_post', 'v2_open_banking_refresh_post', 'v2_open_banking_refresh_get',
  'platform_v3_customers_get', 'platform_v3_customers_delete', 'platform_v3_customers_idempotent_identifier_delete', 'platform_v3_customers_delete_status',
  'financial_v3_accounts_get', 'financial_v3_accounts_account_id_get', 'financial_v3_accounts_transaction_dates_get',
  'financial_v3_balances_get', 'financial_v3_accounts_balances_get', 'v2_transactions_get', 'v1_provider_delete',
  'open_banking_providers_get', 'v2_ob_authorisation_gateway_url_post', 'open_banking_authorisation_url_post', 'open_banking_authorisation_url_get',
  'v1_open_banking_authorisation_codes_post', 'v2_open_banking_authorisation_codes_post', 'open_banking_connect_get',
  'open_banking_connections_get', 'open_banking_account_access_consent_revoke_post', 'open_banking_account_access_consent_revoke_get',
  'open_banking_consents_reconfirm_post'
]

const ours = await loadContract()
const bud = await loadContract(BUD_REFERENCE)

function validatorFor (contract: Contract) {
  const ajv = new Ajv({ allErrors: true, strict: false, keywords: OPENAPI_KEYWORDS })
  addFormats.default(ajv)
  for (const [name, format] of Object.entries(OPENAPI_FORMATS)) ajv.addFormat(name, format)
  for (const schema of contract.schemas) ajv.addSchema(schema)
  return (schema: object, value: unknown) => ajv.validate(schema, value) ? undefined : ajv.errorsText()
}

type Examples = { name: string, value: unknown }[]
function responseExamples (contract: Contract, operationId: string, status: string): Examples {
  let response = contract.operation(operationId).operation.responses[status] as Record<string, unknown> | undefined
  if (response === undefined) return []
  if ('$ref' in response) response = contract.document.components.responses![String(response.$ref).split('/').pop()!] as Record<string, unknown>
  const json = (response.content as Record<string, { example?: unknown, examples?: Record<string, { value: unknown }> }> | undefined)?.['application/json']
  if (json === undefined) return []
  const out: Examples = []
  if (json.example !== undefined) out.push({ name: 'example', value: json.example })
  for (const [name, e] of Object.entries(json.examples ?? {})) out.push({ name, value: e.value })
  return out
}

t.test('openapi.yaml is a valid OpenAPI document', async (t) => {
  const api = await SwaggerParser.validate(OPENAPI_FILE)
  t.equal((api as { openapi: string }).openapi, '3.0.3')
})

t.test('the Bud operations keep Bud\'s paths, methods and status codes', async (t) => {
  for (const id of BUD_OPERATIONS) {
    const mine = ours.operation(id)
    const theirs = bud.operation(id)
    t.equal(`${mine.method} ${mine.path}`, `${theirs.method} ${theirs.path}`, id)
    for (const status of Object.keys(theirs.operation.responses)) {
      t.ok(status in mine.operation.responses, `${id} lists Bud's ${status}`)
    }
    const headers = (c: Contract) => Object.keys((c.routeSchema(id).headers as { properties: object } | undefined)?.properties ?? {}).sort()
    t.same(headers(ours).filter((h) => h !== 'x-sandbox-scenario'), headers(bud), `${id} takes Bud's headers`)
  }
})

t.test('every response Bud documents for the 28 operations has a schema and an example in openapi.yaml', async (t) => {
  t.equal(BUD_OPERATIONS.length, 28)
  let checked = 0
  for (const id of BUD_OPERATIONS) {
    for (const status of Object.keys(bud.operation(id).operation.responses)) {
      const code = Number(status) || 500
      // A 204 has no body; every other answer, errors included, shows users what they will get.
      if (code === 204) continue
      checked++
      const schema = ours.responseSchema(id, code)
      t.ok(schema !== null && schema !== undefined, `${id} ${status} has a schema`)
      t.ok(responseExamples(ours, id, status).length > 0, `${id} ${status} has an example`)
      // 5xx bodies are the bare {message} (see the reference's NOTES.md): they reveal nothing.
      if (code >= 500) t.same(schema, { $ref: 'MinimalErrorResponse#' }, `${id} ${status} is the bare message`)
    }
  }
  t.ok(checked >= 100, `checked ${checked} responses`)
})

/** The shape of a schema that must agree: types, required lists, enums, property names, refs. */
function shape (schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(shape)
  if (schema === null || typeof schema !== 'object') return schema
  const keep = ['type', 'required', 'enum', 'properties', 'items', 'anyOf', 'oneOf', 'allOf', '$ref', 'additionalProperties', 'nullable', 'format']
  return Object.fromEntries(Object.entries(schema).filter(([k]) => keep.includes(k)).map(([k, v]) => [k, k === 'properties' ? Object.fromEntries(Object.entries(v).map(([p, s]) => [p, shape(s)])) : shape(v)]))
}

t.test('every component schema shared with Bud has Bud\'s fields, types, enums and required lists', async (t) => {
  const theirs = new Map(bud.schemas.map((s) => [s.$id, s]))
  let compared = 0
  for (const schema of ours.schemas) {
    const other = theirs.get(schema.$id)
    if (other === undefined) continue
    compared++
    t.same(shape(schema), shape(other), String(schema.$id))
  }
  t.ok(compared >= 50, `compared ${compared} schemas`)
})

t.test('Bud\'s examples fit our schemas and ours fit Bud\'s', async (t) => {
  const checkOurs = validatorFor(ours)
  const checkBud = validatorFor(bud)
  let checked = 0
  for (const id of BUD_OPERATIONS) {
    for (const status of Object.keys(ours.operation(id).operation.responses)) {
      const mySchema = ours.responseSchema(id, Number(status) || 500)
      const budSchema = bud.operation(id).operation.responses[status] === undefined ? undefined : bud.responseSchema(id, Number(status) || 500)
      for (const { name, value } of responseExamples(bud, id, status)) {
        // Bud documents its 5xx bodies as its error envelope; the sandbox's say no more than a message (see below).
        if (Number(status) >= 500) continue
        checked++
        t.equal(checkOurs(mySchema!, value), undefined, `Bud's ${id} ${status} ${name} fits ours`)
      }
      // The sandbox's 5xx bodies are the bare minimum Bud sends ({"message"}), not Bud's documented error envelope.
      if (budSchema === undefined || budSchema === null || Number(status) >= 500) continue
      for (const { name, value } of responseExamples(ours, id, status)) {
        checked++
        t.equal(checkBud(budSchema, value), undefined, `our ${id} ${status} ${name} fits Bud's`)
      }
    }
  }
  for (const id of ['open_banking_refresh_post', 'v2_open_banking_refresh_post', 'platform_v3_customers_post']) {
    const budRequest = (bud.operation(id).operation.requestBody!.content['application/json'] as unknown as { example: unknown }).example
    t.equal(checkOurs(ours.routeSchema(id).body!, budRequest), undefined, `Bud's ${id} request example fits our body schema`)
  }
  t.ok(checked >= 40, `checked ${checked} examples`)
})

/** Bud's callbacks the sandbox does not send: Bud deprecates the sync webhook in favour of Refresh Completed. */
const CALLBACKS_NOT_SENT = ['EventSubscriptionCallBack']

type CallbackBody = { schema: { $ref: string }, example?: unknown, examples?: Record<string, { value: unknown }> }
function callbacks (contract: Contract, operationId: string): Map<string, CallbackBody> {
  const found = (contract.operation(operationId).operation as { callbacks?: Record<string, Record<string, { post: { requestBody: { content: Record<string, CallbackBody> } } }>> }).callbacks ?? {}
  return new Map(Object.entries(found).map(([name, byUrl]) => [name, Object.values(byUrl)[0]!.post.requestBody.content['application/json']!]))
}
const callbackExamples = (body: CallbackBody): Examples => [
  ...(body.example === undefined ? [] : [{ name: 'example', value: body.example }]),
  ...Object.entries(body.examples ?? {}).map(([name, e]) => ({ name, value: e.value }))
]

t.test('the webhooks are Bud\'s callbacks: the same bodies, and each side\'s examples fit the other\'s schema', async (t) => {
  const checkOurs = validatorFor(ours)
  const checkBud = validatorFor(bud)
  let checked = 0
  for (const id of BUD_OPERATIONS) {
    const mine = callbacks(ours, id)
    const theirs = callbacks(bud, id)
    t.same([...mine.keys()].sort(), [...theirs.keys()].filter((name) => !CALLBACKS_NOT_SENT.includes(name)).sort(), `${id} sends Bud's callbacks`)
    for (const [name, body] of mine) {
      const other = theirs.get(name)
      if (other === undefined) continue
      const schemaName = (b: CallbackBody) => b.schema.$ref.split('/').pop()!
      t.equal(schemaName(body), schemaName(other), `${id} ${name} sends Bud's ${schemaName(other)}`)
      for (const { name: example, value } of callbackExamples(other)) {
        checked++
        t.equal(checkOurs({ $ref: `${schemaName(body)}#` }, value), undefined, `Bud's ${name} ${example} fits ours`)
      }
      for (const { name: example, value } of callbackExamples(body)) {
        checked++
        t.equal(checkBud({ $ref: `${schemaName(other)}#` }, value), undefined, `our ${name} ${example} fits Bud's`)
      }
    }
  }
  t.ok(checked >= 9, `checked ${checked} examples`)
})

t.test('every documented response with a body has an example, and each example fits its schema', async (t) => {
  const check = validatorFor(ours)
  let checked = 0
  for (const [path, item] of Object.entries(ours.document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      for (const status of Object.keys(operation.responses)) {
        const schema = ours.responseSchema(operation.operationId, Number(status) || 500)
        if (schema === null || schema === undefined) continue
        const examples = responseExamples(ours, operation.operationId, status)
        t.ok(examples.length > 0, `${method.toUpperCase()} ${path} ${status} has an example`)
        for (const { name, value } of examples) {
          checked++
          t.equal(check(schema, value), undefined, `${operation.operationId} ${status} ${name} fits its schema`)
        }
      }
    }
  }
  t.ok(checked >= 60, `checked ${checked} examples`)
})

t.test('the document lists every route the server answers, and nothing else', async (t) => {
  const h = await build(t)
  await h.app.ready()
  const served = new Set<string>()
  for (const route of h.app.servedRoutes) {
    if (route.url.startsWith('/docs') || route.url.startsWith('/__test')) continue
    for (const method of route.methods) if (method !== 'HEAD') served.add(`${method} ${route.url.replace(/:(\w+)/g, '{$1}')}`)
  }
  const documented = new Set<string>()
  for (const [path, item] of Object.entries(ours.document.paths)) {
    for (const method of Object.keys(item)) documented.add(`${method.toUpperCase()} ${path}`)
  }
  t.same([...served].sort(), [...documented].sort())
})

t.test('the served document is openapi.yaml, as JSON and YAML', async (t) => {
  const h = await build(t)
  const json = await h.inject({ url: '/docs/json' })
  t.equal(json.statusCode, 200)
  t.same(json.json(), ours.document)
  const yaml = await h.inject({ url: '/docs/yaml' })
  t.equal(yaml.statusCode, 200)
  t.same(parse(yaml.body), ours.document)
  t.same(json.json().servers, [{ url: '/', description: 'The sandbox this page is served from' }], 'Try it out calls the sandbox that serves the page')
})

t.test('the journey\'s requests, as Bud\'s collection sends them, are answered with bodies that fit Bud\'s own schemas', async (t) => {
  const h = await build(t)
  const checkBud = validatorFor(bud)
  const client = { 'x-client-id': 'collection' }
  const created = await h.inject({ method: 'POST', url: '/platform/v3/customers', headers: client, payload: { customer_context: { type: 'personal', region: 'GB', locale: 'en-GB', models: { categorisation: 'uk-v2' } }, client_metadata: { idempotent_identifier: 'your_internal_id' } } })
  const customer = { ...client, 'x-customer-id': created.json().data.customer_id as string }
  const refreshed = await h.inject({ method: 'POST', url: '/open-banking/v2/refresh', headers: customer, payload: {} })
  h.advance('PT3S')
  const accountId = (await h.inject({ url: '/financial/v3/accounts', headers: customer })).json().data[0].account_id as string
  const requests: [string, string, string, Record<string, string>][] = [
    ['platform_v3_customers_post', 'POST', '/platform/v3/customers', client],
    ['v2_open_banking_refresh_get', 'GET', `/open-banking/v2/refresh/${refreshed.json().data.task_id}`, customer],
    ['platform_v3_customers_get', 'GET', '/platform/v3/customers?idempotent_identifier=your_internal_id', client],
    ['financial_v3_accounts_get', 'GET', '/financial/v3/accounts', customer],
    ['financial_v3_accounts_account_id_get', 'GET', `/financial/v3/accounts/${accountId}`, customer],
    ['financial_v3_accounts_transaction_dates_get', 'GET', '/financial/v3/accounts/transaction-dates', customer],
    ['financial_v3_balances_get', 'GET', '/financial/v3/balances?granularity=daily', customer],
    ['financial_v3_accounts_balances_get', 'GET', `/financial/v3/accounts/${accountId}/balances`, customer],
    ['v2_transactions_get', 'GET', '/financial/v2/transactions?page_size=200', customer]
  ]
  for (const [operationId, method, url, headers] of requests) {
    const res = await h.inject({ method: method as 'GET', url, headers, ...(method === 'POST' ? { payload: { client_metadata: { idempotent_identifier: 'your_internal_id' } } } : {}) })
    t.ok(res.statusCode >= 200 && res.statusCode < 300, `${operationId}: ${res.statusCode}`)
    t.equal(checkBud(bud.responseSchema(operationId, res.statusCode)!, res.json()), undefined, `${operationId} fits Bud's schema`)
  }
  const removed = await h.inject({ method: 'DELETE', url: '/v1/provider/Bank_Of_Bud', headers: customer })
  t.equal(removed.statusCode, 204, 'Remove Provider Data: 204, no body, as Bud documents it')
  const deleted = await h.inject({ method: 'DELETE', url: `/platform/v3/customers/${customer['x-customer-id']}`, headers: client })
  t.equal(checkBud(bud.responseSchema('platform_v3_customers_delete', 202)!, deleted.json()), undefined, 'Remove Customer V3 fits Bud\'s schema')
  h.advance('PT1S')
  const status = await h.inject({ url: deleted.json().metadata.next_url, headers: client })
  t.equal(checkBud(bud.responseSchema('platform_v3_customers_delete_status', 200)!, status.json()), undefined, 'its status fits Bud\'s schema')
})

t.test('the connect and consent requests, as Bud\'s collection sends them, answer 2xx with bodies that fit Bud\'s own schemas', async (t) => {
  const h = await build(t)
  const checkBud = validatorFor(bud)
  const client = { 'x-client-id': 'collection' }
  const customer = { ...client, 'x-customer-id': (await h.inject({ method: 'POST', url: '/platform/v3/customers', headers: client, payload: {} })).json().data.customer_id as string }
  const call = async (operationId: string, method: 'GET' | 'POST', url: string, headers: Record<string, string>, payload?: object) => {
    const res = await h.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) })
    t.ok(res.statusCode >= 200 && res.statusCode < 300, `${operationId}: ${res.statusCode}`)
    t.equal(checkBud(bud.responseSchema(operationId, res.statusCode)!, res.json()), undefined, `${operationId} fits Bud's schema`)
    return res.json()
  }
  await call('open_banking_providers_get', 'GET', '/v1/open-banking/providers', client)
  await call('v2_ob_authorisation_gateway_url_post', 'POST', '/v2/open-banking/authorisation-gateway-url', customer, { redirect_url: 'https://my-agent-webapp.com/connected?my-parameter=xyz' })
  const started = await call('open_banking_authorisation_url_post', 'POST', '/v1/open-banking/authorisation-url', customer, { provider: 'Monzo_Sandbox', redirect_url: 'https://myclientredirecturl.com' })
  h.advance('PT1S')
  await call('open_banking_authorisation_url_get', 'GET', `/v1/open-banking/authorisation-url/${started.data.task_id as string}`, customer)
  // Postman's placeholder code: accepted, and the connect task it starts fails auth_denied.
  const v1 = await call('v1_open_banking_authorisation_codes_post', 'POST', '/v1/open-banking/authorisation-codes', customer, { state: started.data.task_id, code: '....' })
  await call('v2_open_banking_authorisation_codes_post', 'POST', '/v2/open-banking/authorisation-codes', customer, { state: started.data.task_id, code: '....' })
  await call('open_banking_connect_get', 'GET', `/v1/open-banking/connect/${v1.data.task_id as string}`, customer)
  const consents = await call('open_banking_connections_get', 'GET', '/v1/open-banking/account-access-consents', customer)
  await call('open_banking_consents_reconfirm_post', 'POST', `/v1/open-banking/account-access-consents/${consents.data[0].id as string}/reconfirm`, customer, { provider: 'Bank_Of_Bud' })
  const revoke = await call('open_banking_account_access_consent_revoke_post', 'POST', '/v1/open-banking/account-access-consent/revoke', customer, { provider: 'Bank_Of_Bud' })
  await call('open_banking_account_access_consent_revoke_get', 'GET', `/v1/open-banking/account-access-consent/revoke/${revoke.data.task_id as string}`, customer)
  await call('open_banking_connections_get', 'GET', '/v1/open-banking/account-access-consents?status=all', customer)
})
