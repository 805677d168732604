// The yardstick: bare Fastify 5 answering the sandbox's paths with fixed
// bodies of the same shape, no logger, no validation, no state. The data
// paths answer the very bytes the sandbox gave for them, read from the file
// BARE_BODIES names (written by bench/run.ts before each round), and sent as
// a Buffer, as the sandbox sends them.
import { readFileSync } from 'node:fs'
import Fastify from 'fastify'

const app = Fastify()
const created = { operation_id: 'open_banking_refresh_post', data: { task_id: '5b0c8a4e-2f7d-4c1e-9a43-6f1d2e8b7c10', provider: 'Bank_Of_Bud' }, metadata: { status: 'Pending', next_url: '/v1/open-banking/refresh/5b0c8a4e-2f7d-4c1e-9a43-6f1d2e8b7c10', next_url_delay: 50 } }
const status = { operation_id: 'open_banking_refresh_get', data: { task_id: '5b0c8a4e-2f7d-4c1e-9a43-6f1d2e8b7c10', provider: 'Bank_Of_Bud', status: 'Completed', result: 'success', reconnect_required: false, step: 4, text: 'Completed' }, metadata: { status: 'Completed', has_new_transactions: true } }

const createdV2 = { operation_id: 'v2_open_banking_refresh_post', data: { task_id: '9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f', sub_tasks: [{ provider: 'Bank_Of_Bud', task_id: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d' }, { provider: 'Natwest_Sandbox', task_id: '2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e' }] }, metadata: { status: 'Pending', next_url: '/open-banking/v2/refresh/9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f', next_url_delay: 500 } }
const statusV2 = { operation_id: 'v2_open_banking_refresh_get', data: { task_id: '9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f', status: 'Completed', result: 'success', has_new_transactions: true, sub_tasks: [{ task_id: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d', provider: 'Bank_Of_Bud', status: 'Completed', result: 'success', reconnect_required: false, has_new_transactions: true }, { task_id: '2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e', provider: 'Natwest_Sandbox', status: 'Completed', result: 'success', reconnect_required: false, has_new_transactions: true }] }, metadata: { status: 'Completed' } }
// As bytes, encoded once, as the sandbox keeps them: Fastify sends a long string ~10× dearer than a Buffer (docs/performance.md).
const texts = process.env.BARE_BODIES === undefined ? { transactions: '{}', accounts: '{}' } : JSON.parse(readFileSync(process.env.BARE_BODIES, 'utf8'))
const data = { transactions: Buffer.from(texts.transactions), accounts: Buffer.from(texts.accounts) }

app.post('/v1/open-banking/refresh', async (_req, reply) => reply.code(202).send(created))
app.get('/v1/open-banking/refresh/:task_id', async () => status)
app.post('/open-banking/v2/refresh', async (_req, reply) => reply.code(202).send(createdV2))
app.get('/open-banking/v2/refresh/:task_id', async () => statusV2)
app.get('/financial/v2/transactions', async (_req, reply) => reply.type('application/json; charset=utf-8').send(data.transactions))
app.get('/financial/v3/accounts', async (_req, reply) => reply.type('application/json; charset=utf-8').send(data.accounts))
app.get('/health', async () => ({ status: 'ok' }))

await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' })
