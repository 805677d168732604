// The logger Fastify is given: pino, except that a child binds its fields
// only when it first logs at an enabled level. Fastify makes one child per
// request, to bind the request id, and a pino child sets up every log method
// anew; at the levels a shared sandbox or a benchmark runs at (warn and
// above), most requests never log, so most never pay for one.
//
// This is the root logger itself rather than a childLoggerFactory: with a
// factory of its own, Fastify checks every request's logger for all seven
// methods (~0.15 µs per request measured alone).
import type { FastifyBaseLogger } from 'fastify'
import type { Bindings, ChildLoggerOptions, Level, Logger } from 'pino'

type LogArgs = Parameters<FastifyBaseLogger['info']>

export class LazyLogger implements FastifyBaseLogger {
  readonly #parent: Logger
  readonly #bindings: Bindings | undefined
  #logger: Logger | undefined

  /** Logs through `parent` itself, or through its child with `bindings`, made when first needed. */
  constructor (parent: Logger, bindings?: Bindings) {
    this.#parent = parent
    this.#bindings = bindings
    if (bindings === undefined) this.#logger = parent
  }

  get level (): string {
    return (this.#logger ?? this.#parent).level
  }

  set level (level: string) {
    this.#bound().level = level
  }

  // Each method spreads its own rest parameter straight into the call, which
  // V8 compiles without making the array: most calls are below the level.
  fatal (...args: LogArgs): void { if (this.#enabled('fatal')) this.#bound().fatal(...args) }
  error (...args: LogArgs): void { if (this.#enabled('error')) this.#bound().error(...args) }
  warn (...args: LogArgs): void { if (this.#enabled('warn')) this.#bound().warn(...args) }
  info (...args: LogArgs): void { if (this.#enabled('info')) this.#bound().info(...args) }
  debug (...args: LogArgs): void { if (this.#enabled('debug')) this.#bound().debug(...args) }
  trace (...args: LogArgs): void { if (this.#enabled('trace')) this.#bound().trace(...args) }
  silent (): void {}

  /** A lazy child; one with its own level or serializers (a route's) is made at once. */
  child (bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    if (options?.level === undefined && options?.serializers === undefined) return new LazyLogger(this.#bound(), bindings)
    return new LazyLogger(this.#bound().child(bindings, options))
  }

  #enabled (level: Level): boolean {
    return (this.#logger ?? this.#parent).isLevelEnabled(level)
  }

  #bound (): Logger {
    this.#logger ??= this.#parent.child(this.#bindings!)
    return this.#logger
  }
}
