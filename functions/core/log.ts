/**
 * The gateway's log: one line per event, readable text by default (`--log-format json` for JSON
 * lines). Events carry no prompt or completion text and no credentials, by construction: callers
 * pass structured fields, never request bodies.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, string | number | boolean | undefined | null | readonly string[]>;

export interface Logger {
  log(level: LogLevel, event: string, message: string, fields?: LogFields): void;
  /** False when the fields are never written (the text format writes the message alone): nothing need be done to them. */
  readonly writesFields?: boolean;
}

export type LogFormat = 'text' | 'json';

export function createLogger(format: LogFormat, write: (line: string) => void = (l) => process.stderr.write(`${l}\n`), minLevel: LogLevel = 'info'): Logger {
  const order: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
  // The text format's time of day, made once per millisecond: a busy gateway writes many lines in one.
  let stampedAt = -1;
  let stamp = '';
  return {
    writesFields: format === 'json',
    log(level, event, message, fields = {}) {
      if (order[level] < order[minLevel]) return;
      if (format === 'json') {
        // JSON escapes control characters itself; sizes are still bounded.
        write(JSON.stringify({ time: new Date().toISOString(), level, event, message: truncate(message, MAX_MESSAGE_CHARS), ...boundedFields(fields) }));
      } else {
        const now = Date.now();
        if (now !== stampedAt) {
          stampedAt = now;
          stamp = new Date(now).toISOString().slice(11, 23);
        }
        write(`${stamp} ${TEXT_LEVELS[level]} ${escapeControl(truncate(message, MAX_MESSAGE_CHARS))}`);
      }
    },
  };
}

const TEXT_LEVELS: Record<LogLevel, string> = { debug: 'DEBUG', info: 'INFO ', warn: 'WARN ', error: 'ERROR' };

/** A log line's message past this is cut: a client's 1 MB `model` must not become a 1 MB line. */
const MAX_MESSAGE_CHARS = 4_096;
/** A field value past this is cut (paths, models, reasons: values a client or an upstream chose). */
const MAX_FIELD_CHARS = 512;

/** Cuts `text` to `max` characters, saying how much was left out. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…(+${text.length - max} chars)`;
}

/**
 * Control characters (CR and LF above all) written as escapes, so a value a client sent can never
 * start a line of its own in a text log, or rewrite one on a terminal.
 */
function escapeControl(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

function boundedFields(fields: LogFields): LogFields {
  let out: LogFields | undefined;
  for (const [k, v] of Object.entries(fields)) {
    if (typeof v === 'string' && v.length > MAX_FIELD_CHARS) {
      out ??= { ...fields }; // copied on the first long field only: the caller's object stays as it was
      out[k] = truncate(v, MAX_FIELD_CHARS);
    }
  }
  return out ?? fields;
}

/**
 * Every line through `redact` first (message and string fields): the engine's lines can carry an
 * upstream's words (a failover reason, a broken stream's error), and those can quote a key.
 */
export function redactingLogger(inner: Logger, redact: () => (text: string) => string): Logger {
  return {
    writesFields: inner.writesFields,
    log(level, event, message, fields) {
      const r = redact();
      let out: LogFields | undefined;
      // Fields the logger never writes are passed on as they are: nothing of them reaches a line.
      if (fields && inner.writesFields !== false) {
        for (const [k, v] of Object.entries(fields)) {
          if (typeof v !== 'string') continue;
          const clean = r(v);
          if (clean === v) continue;
          out ??= { ...fields }; // copied on the first change only: the caller's object stays as it was
          out[k] = clean;
        }
      }
      inner.log(level, event, r(message), out ?? fields);
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
    const text = `${pending.join('\n')}\n`;
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

/**
 * Keeps every entry. Only tests use it (the package exports no engine to embed), to assert what was
 * logged and that secrets were not; it stays beside the Logger it implements, and bundles drop it.
 */
export class MemoryLogger implements Logger {
  readonly entries: Array<{ level: LogLevel; event: string; message: string; fields: LogFields }> = [];
  log(level: LogLevel, event: string, message: string, fields: LogFields = {}): void {
    this.entries.push({ level, event, message, fields });
  }
}

export const silentLogger: Logger = { log() {} };
