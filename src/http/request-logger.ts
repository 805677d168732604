// The logger each request gets: the request id bound, as Fastify's own, but
// the pino child that binds it is made only when the request first logs at an
// enabled level. Fastify makes one child per request, and a pino child sets up
// every log method anew; at the levels a shared sandbox or a benchmark runs at
// (warn and above), most requests never log, so most never pay for one.
import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify'
import type { Bindings, ChildLoggerOptions, Level, Logger } from 'pino'

type LogArgs = Parameters<FastifyBaseLogger['info']>

export class RequestLogger implements FastifyBaseLogger {
  readonly #parent: Logger
  readonly #bindings: Bindings
  #child: Logger | undefined

  constructor (parent: Logger, bindings: Bindings) {
    this.#parent = parent
    this.#bindings = bindings
  }

  get level (): string {
    return (this.#child ?? this.#parent).level
  }

  set level (level: string) {
    this.#logger().level = level
  }

  // Each method spreads its own rest parameter straight into the call, which
  // V8 compiles without making the array: most calls are below the level.
  fatal (...args: LogArgs): void { if (this.#enabled('fatal')) this.#logger().fatal(...args) }
  error (...args: LogArgs): void { if (this.#enabled('error')) this.#logger().error(...args) }
  warn (...args: LogArgs): void { if (this.#enabled('warn')) this.#logger().warn(...args) }
  info (...args: LogArgs): void { if (this.#enabled('info')) this.#logger().info(...args) }
  debug (...args: LogArgs): void { if (this.#enabled('debug')) this.#logger().debug(...args) }
  trace (...args: LogArgs): void { if (this.#enabled('trace')) this.#logger().trace(...args) }
  silent (): void {}

  child (bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#logger().child(bindings, options)
  }

  #enabled (level: Level): boolean {
    return (this.#child ?? this.#parent).isLevelEnabled(level)
  }

  #logger (): Logger {
    this.#child ??= this.#parent.child(this.#bindings)
    return this.#child
  }
}

/** Fastify's childLoggerFactory: a RequestLogger, or a pino child at once when the route sets its own level or serializers. */
export const requestLoggerFactory: NonNullable<FastifyServerOptions['childLoggerFactory']> = function (logger, bindings, options) {
  if (options.level === undefined && options.serializers === undefined) return new RequestLogger(logger as Logger, bindings)
  return logger.child(bindings, options)
}
