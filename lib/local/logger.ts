/** Minimal structured logger for the local runtime. Never pass record payloads, keys or secrets to it. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function stderrLogger(minLevel: LogLevel = 'info'): Logger {
  return {
    log(level, message, fields) {
      if (ORDER[level] < ORDER[minLevel]) return;
      const line = fields ? `${message} ${JSON.stringify(fields)}` : message;
      process.stderr.write(`[sluice] ${level.toUpperCase()} ${line}\n`);
    },
  };
}

export const silentLogger: Logger = { log() {} };
