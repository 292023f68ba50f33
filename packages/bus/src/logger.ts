/** The logging surface the bus needs; a pino logger fits it. Declared here so bus has no runtime dependency. */
export interface LoggerLike {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}
