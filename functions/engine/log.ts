/**
 * The gateway's log: one line per event, readable text by default (`--log-format json` for JSON
 * lines). Events carry no prompt or completion text and no credentials, by construction: callers
 * pass structured fields, never request bodies.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, string | number | boolean | undefined | null | readonly string[]>;

export interface Logger {
  log(level: LogLevel, event: string, message: string, fields?: LogFields): void;
}

export type LogFormat = 'text' | 'json';

export function createLogger(format: LogFormat, write: (line: string) => void = (l) => process.stderr.write(l + '\n'), minLevel: LogLevel = 'info'): Logger {
  const order: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
  return {
    log(level, event, message, fields = {}) {
      if (order[level] < order[minLevel]) return;
      if (format === 'json') {
        write(JSON.stringify({ time: new Date().toISOString(), level, event, message, ...fields }));
      } else {
        write(`${new Date().toISOString().slice(11, 23)} ${level.toUpperCase().padEnd(5)} ${message}`);
      }
    },
  };
}

/**
 * Lines to stderr, written in batches: one write per turn of the event loop instead of one per
 * line (a synchronous syscall on the request path). For long-running servers only — a Lambda
 * can be frozen before a batch is flushed, so the handler writes line by line.
 */
export function batchedStderr(): (line: string) => void {
  let pending: string[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending.length === 0) return;
    const text = pending.join('\n') + '\n';
    pending = [];
    process.stderr.write(text);
  };
  process.once('exit', flush);
  return (line) => {
    pending.push(line);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
}

/** For tests and embedding: keeps every entry. */
export class MemoryLogger implements Logger {
  readonly entries: Array<{ level: LogLevel; event: string; message: string; fields: LogFields }> = [];
  log(level: LogLevel, event: string, message: string, fields: LogFields = {}): void {
    this.entries.push({ level, event, message, fields });
  }
}

export const silentLogger: Logger = { log() {} };
