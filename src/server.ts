#!/usr/bin/env node
// The process entry: reads the configuration, loads the fixtures, listens, and
// closes gracefully on SIGTERM/SIGINT. Everything else lives in buildApp.
import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.js'
import { loadCompiledSchemas, restoringCompilers } from './compiled-schemas.js'
import { ConfigError, helpText, readConfig } from './config.js'
import { SandboxClock } from './domain/clock.js'
import { FixtureError } from './fixtures.js'
import { loadStart } from './state/start.js'
import { StateError, type State } from './state/state.js'

async function main (): Promise<void> {
  let config
  let fixtures
  let state: State | undefined
  try {
    config = readConfig(process.argv.slice(2), process.env)
    if (config === 'help') {
      process.stdout.write(helpText() + '\n')
      return
    }
    ;({ fixtures, state } = await loadStart(config))
  } catch (err) {
    if (err instanceof ConfigError || err instanceof FixtureError || err instanceof StateError) {
      process.stderr.write(`bud-sandbox: ${err.message}\n`)
      process.exitCode = 1
      return
    }
    throw err
  }

  // Readable logs for a person at a terminal, JSON lines for everything else (pino-pretty loads only then).
  const pretty = config.logFormat === 'pretty' || (config.logFormat === 'auto' && process.stdout.isTTY)
  const logStream = pretty
    ? (await import('pino-pretty')).default({ colorize: process.stdout.isTTY, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' })
    : undefined
  // Built: the route schemas compiled by `npm run build`; from source: compiled now.
  const compiled = loadCompiledSchemas()
  let app
  try {
    app = await buildApp({ ...config, fixtures }, {
      clock: new SandboxClock(state?.now ?? Date.now),
      ...(state === undefined ? {} : { state }),
      ...(logStream === undefined ? {} : { logStream }),
      ...(compiled === undefined ? {} : { schemaCompilers: restoringCompilers(compiled) })
    })
  } catch (err) {
    // The state read as it is replayed (Redis gone mid-start): one line, and out, whatever connection is still open.
    if (!(err instanceof StateError)) throw err
    process.stderr.write(`bud-sandbox: ${err.message}\n`)
    process.exit(1)
  }
  const grace = closeWithGrace({ delay: 5000 }, async ({ signal, err }) => {
    if (err !== undefined) app.log.error({ err }, 'closing after an error')
    else app.log.info({ signal }, 'closing')
    await app.close()
  })
  // Fastify logs one line per interface on 0.0.0.0; the sandbox prints exactly one.
  const level = app.log.level
  app.log.level = 'warn'
  let address: string
  try {
    address = await app.listen({ port: config.port, host: config.host })
  } catch (err) {
    process.stderr.write(`bud-sandbox: cannot listen on ${config.host}:${config.port}: ${listenFailure(err as NodeJS.ErrnoException)}\n`)
    process.exitCode = 1
    grace.uninstall()
    await app.close()
    return
  }
  app.log.level = level
  app.log.info({ url: address, docs: `${address}/docs` }, `bud-sandbox listening on ${address}; Swagger UI at ${address}/docs`)
}

/** Why the address could not be bound, and which setting to change. */
function listenFailure (err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'EADDRINUSE': return 'the address is already in use (choose another with PORT or --port)'
    case 'EACCES': return 'permission denied (ports below 1024 need privileges; choose another with PORT or --port)'
    case 'EADDRNOTAVAIL': return 'this machine has no such address (set HOST or --host)'
    case 'ENOTFOUND': case 'EAI_AGAIN': return 'the host name does not resolve (set HOST or --host)'
    default: return err.message
  }
}

await main()
