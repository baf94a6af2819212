export type LogLevel = "debug" | "info" | "warn" | "error";
const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

const errorFields = (v: unknown) =>
  v instanceof Error ? { error: v.message, error_name: v.name, stack: v.stack } : v;

/** Structured JSON lines on stdout/stderr: service, level, time, message, context. */
export function createLogger(service: string, level: LogLevel = "info"): Logger {
  const emit = (lvl: LogLevel) => (msg: string, fields: Record<string, unknown> = {}) => {
    if (order[lvl] < order[level]) return;
    const entry = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, errorFields(v)]));
    const line = JSON.stringify({
      time: new Date().toISOString(),
      level: lvl,
      service,
      msg,
      ...entry,
    });
    if (order[lvl] >= order.warn) console.error(line);
    else console.log(line);
  };
  return { debug: emit("debug"), info: emit("info"), warn: emit("warn"), error: emit("error") };
}

/** For tests and tools that must stay quiet. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
