// Every setting, read once from the environment and the command line (flags
// win), validated into a typed object. A bad value stops the start with one
// line naming the setting and what it accepts.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { Duration } from 'luxon'
import { MAX_TASKS_LIMIT } from './domain/task-store.js'
import { CHECK_MODES, type CheckMode } from './domain/findings/check-modes.js'
import { DEFAULT_FIXTURES } from './fixtures.js'
import { SNAPSHOT_EVERY } from './state/snapshot.js'

export const DEFAULTS = {
  logLevel: 'info',
  taskRetentionMs: 24 * 60 * 60 * 1000,
  maxTasks: 2_000_000,
  bodyLimit: 100 * 1024,
  auth: 'on',
  requestHistorySize: 1000,
  maxClients: 10_000,
  checks: 'report',
  snapshotEvery: SNAPSHOT_EVERY
} as const

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

/** What a setting takes: a whole number in a range, or a string (from a list). */
type SettingSchema =
  | { type: 'integer', minimum: number, maximum: number }
  | { type: 'string', minLength?: number, enum?: readonly string[] }

interface Setting {
  env: string
  flag: string
  schema: SettingSchema
  accepts: string
  default?: string | number
  /** A secret: a refusal says how long the value was, never the value. */
  secret?: boolean
}

export const SETTINGS: Setting[] = [
  { env: 'PORT', flag: 'port', schema: { type: 'integer', minimum: 0, maximum: 65535 }, accepts: 'a port number from 0 to 65535 (0 picks a free port)', default: 4010 },
  { env: 'HOST', flag: 'host', schema: { type: 'string', minLength: 1 }, accepts: 'an address to listen on, e.g. 127.0.0.1 or 0.0.0.0', default: '127.0.0.1' },
  { env: 'LOG_LEVEL', flag: 'log-level', schema: { type: 'string', enum: LOG_LEVELS }, accepts: `one of ${LOG_LEVELS.join(', ')}`, default: DEFAULTS.logLevel },
  { env: 'LOG_FORMAT', flag: 'log-format', schema: { type: 'string', enum: ['auto', 'json', 'pretty'] }, accepts: 'auto (readable on a terminal, JSON lines otherwise), json or pretty', default: 'auto' },
  { env: 'FIXTURES', flag: 'fixtures', schema: { type: 'string', minLength: 1 }, accepts: 'the path of a fixture JSON file (default: the embedded fixtures/default.json)' },
  { env: 'STEP_DURATION_MS', flag: 'step-duration-ms', schema: { type: 'integer', minimum: 1, maximum: 86_400_000 }, accepts: 'milliseconds each refresh step takes, overriding the fixtures (default: the fixtures\' 1000)' },
  { env: 'TASK_RETENTION', flag: 'task-retention', schema: { type: 'string', minLength: 2 }, accepts: 'an ISO 8601 duration a task is kept for, on the sandbox clock', default: 'PT24H' },
  { env: 'MAX_TASKS', flag: 'max-tasks', schema: { type: 'integer', minimum: 1, maximum: MAX_TASKS_LIMIT }, accepts: `the most tasks kept for each client, from 1 to ${MAX_TASKS_LIMIT}; the oldest are dropped first`, default: DEFAULTS.maxTasks },
  { env: 'MAX_CLIENTS', flag: 'max-clients', schema: { type: 'integer', minimum: 1, maximum: 1_000_000 }, accepts: 'the most client worlds kept, from 1 to 1000000; the one used longest ago is forgotten first', default: DEFAULTS.maxClients },
  { env: 'AUTH', flag: 'auth', schema: { type: 'string', enum: ['on', 'off'] }, accepts: 'on (Bud operations need a bearer token from /v1/oauth/token) or off', default: DEFAULTS.auth },
  { env: 'REQUEST_HISTORY', flag: 'request-history', schema: { type: 'integer', minimum: 1, maximum: 1_000_000 }, accepts: 'how many requests /__admin/requests keeps, from 1 to 1000000', default: DEFAULTS.requestHistorySize },
  { env: 'CHECKS', flag: 'checks', schema: { type: 'string', enum: CHECK_MODES }, accepts: 'report (findings under /__admin/findings and in X-Sandbox-Finding), strict (a request that breaks Bud\'s guidance answers 409 instead) or off', default: DEFAULTS.checks },
  { env: 'ADMIN_TOKEN', flag: 'admin-token', schema: { type: 'string', minLength: 16 }, accepts: 'a secret of at least 16 characters: every /__admin control then needs Authorization: Bearer <it> (a shared sandbox\'s lock)', secret: true },
  { env: 'STATE_DIR', flag: 'state-dir', schema: { type: 'string', minLength: 1 }, accepts: 'a directory to keep the sandbox\'s state in across restarts (made if missing; docs/state.md); memory only when unset' },
  { env: 'SNAPSHOT_EVERY', flag: 'snapshot-every', schema: { type: 'integer', minimum: 1, maximum: 10_000_000 }, accepts: 'with STATE_DIR or REDIS_URL, how many journal entries a snapshot is taken after, from 1 to 10000000 (docs/state.md)', default: DEFAULTS.snapshotEvery },
  { env: 'REDIS_URL', flag: 'redis-url', schema: { type: 'string', minLength: 9 }, accepts: 'redis://host:port[/db] of Redis 7 or Valkey 8: the state kept there and shared by every process given it (docs/state.md); not with STATE_DIR' },
  { env: 'BODY_LIMIT', flag: 'body-limit', schema: { type: 'integer', minimum: 1024, maximum: 10_485_760 }, accepts: 'the largest request body in bytes, from 1024 to 10485760', default: DEFAULTS.bodyLimit }
]

export interface Config {
  port: number
  host: string
  logLevel: string
  logFormat: 'auto' | 'json' | 'pretty'
  fixtures: string | undefined
  stepDurationMs: number | undefined
  taskRetentionMs: number
  maxTasks: number
  bodyLimit: number
  auth: 'on' | 'off'
  requestHistorySize: number
  maxClients: number
  adminToken: string | undefined
  checks: CheckMode
  stateDir: string | undefined
  snapshotEvery: number
  redisUrl: string | undefined
}

export class ConfigError extends Error {
  constructor (setting: Setting | undefined, detail: string) {
    super(setting === undefined ? detail : `invalid setting ${setting.env} (--${setting.flag}): ${detail}; it accepts ${setting.accepts}`)
    this.name = 'ConfigError'
  }
}

export function helpText (): string {
  const lines = ['Usage: bud-sandbox [options]', '', 'Every option can also be set through its environment variable; a flag wins.', '']
  const flags = SETTINGS.map((s) => `  --${s.flag} <value>`)
  // The descriptions start in one column, two spaces past the longest flag.
  const width = Math.max(...flags.map((f) => f.length)) + 2
  SETTINGS.forEach((s, i) => {
    lines.push(flags[i]!.padEnd(width) + `${s.env}: ${s.accepts}${s.default === undefined ? '' : ` (default: ${s.default})`}`)
  })
  lines.push('  --help'.padEnd(width) + 'show this text')
  return lines.join('\n')
}

/**
 * A setting's value from its text, or a ConfigError. A few lines instead of
 * a JSON Schema validator: building one (env-schema's Ajv) cost ~100 ms of
 * every start for a dozen flat values.
 */
function valueOf (setting: Setting, text: string): string | number {
  const schema = setting.schema
  if (schema.type === 'integer') {
    const value = Number(text)
    if (/^\s*-?\d+\s*$/.test(text) && value >= schema.minimum && value <= schema.maximum) return value
  } else if ((schema.enum === undefined || schema.enum.includes(text)) && text.length >= (schema.minLength ?? 0)) {
    return text
  }
  throw new ConfigError(setting, setting.secret === true ? `got a value of ${text.length} characters` : `got ${JSON.stringify(text)}`)
}

/** Returns the config, or 'help' when --help was asked; throws ConfigError on a bad value. */
export function readConfig (argv: string[], env: NodeJS.ProcessEnv): Config | 'help' {
  let flags: Record<string, string | boolean | undefined>
  try {
    const options = Object.fromEntries(SETTINGS.map((s) => [s.flag, { type: 'string' as const }]))
    flags = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean' } }, strict: true, allowPositionals: false }).values
  } catch (err) {
    throw new ConfigError(undefined, `${(err as Error).message.split('\n')[0]} (see --help)`)
  }
  if (flags.help === true) return 'help'

  const values: Record<string, string | number | undefined> = {}
  for (const s of SETTINGS) {
    const given = flags[s.flag] ?? env[s.env]
    values[s.env] = typeof given === 'string' && given !== '' ? valueOf(s, given) : s.default
  }

  if (values.STATE_DIR !== undefined && values.REDIS_URL !== undefined) {
    throw new ConfigError(SETTINGS.find((s) => s.env === 'REDIS_URL'), 'got it with STATE_DIR as well: the state is kept in one place, a directory for one process or Redis for several')
  }
  if (values.REDIS_URL !== undefined && !/^rediss?:\/\/[^/\s]+(\/\d{1,2})?$/.test(String(values.REDIS_URL))) {
    throw new ConfigError(SETTINGS.find((s) => s.env === 'REDIS_URL'), `got ${JSON.stringify(String(values.REDIS_URL).replace(/\/\/[^@/]*@/, '//…@'))}`)
  }
  const retention = Duration.fromISO(String(values.TASK_RETENTION))
  if (!retention.isValid || retention.toMillis() <= 0) {
    throw new ConfigError(SETTINGS.find((s) => s.env === 'TASK_RETENTION'), `got ${JSON.stringify(values.TASK_RETENTION)}`)
  }
  return {
    port: Number(values.PORT),
    host: String(values.HOST),
    logLevel: String(values.LOG_LEVEL),
    logFormat: values.LOG_FORMAT as Config['logFormat'],
    fixtures: values.FIXTURES === undefined ? undefined : String(values.FIXTURES),
    stepDurationMs: values.STEP_DURATION_MS === undefined ? undefined : Number(values.STEP_DURATION_MS),
    taskRetentionMs: retention.toMillis(),
    maxTasks: Number(values.MAX_TASKS),
    bodyLimit: Number(values.BODY_LIMIT),
    auth: values.AUTH === 'off' ? 'off' : 'on',
    requestHistorySize: Number(values.REQUEST_HISTORY),
    maxClients: Number(values.MAX_CLIENTS),
    adminToken: values.ADMIN_TOKEN === undefined ? undefined : String(values.ADMIN_TOKEN),
    stateDir: values.STATE_DIR === undefined ? undefined : String(values.STATE_DIR),
    snapshotEvery: Number(values.SNAPSHOT_EVERY),
    redisUrl: values.REDIS_URL === undefined ? undefined : String(values.REDIS_URL),
    checks: values.CHECKS as Config['checks']
  }
}

/**
 * What a kept state (STATE_DIR) was made with and a start must give again:
 * the version that replays it, the fixtures, and the settings that change
 * what a request does. The others (port, logs, limits on bodies and
 * history, the admin lock) may change between starts.
 */
export function stateShape (config: Pick<Config, 'fixtures' | 'stepDurationMs' | 'auth' | 'checks' | 'maxTasks' | 'taskRetentionMs' | 'maxClients'>): Record<string, string | number | null> {
  const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version
  return {
    'bud-sandbox': version,
    FIXTURES: createHash('sha256').update(readFileSync(config.fixtures ?? DEFAULT_FIXTURES)).update(readFileSync(DEFAULT_FIXTURES)).digest('hex').slice(0, 16),
    STEP_DURATION_MS: config.stepDurationMs ?? null,
    AUTH: config.auth,
    CHECKS: config.checks,
    MAX_TASKS: config.maxTasks,
    TASK_RETENTION: config.taskRetentionMs,
    MAX_CLIENTS: config.maxClients
  }
}
