/**
 * The log's two formats and its redaction: the text format writes time, level and message only, so
 * redaction spends nothing on fields there; the JSON format writes the fields, and they are
 * redacted. Either way no line carries the key.
 */
import { describe, expect, it } from 'vitest';
import { createLogger, redactingLogger } from '../../functions/core/log.js';

const KEY = 'sk-live-0123456789abcdef';

/** A redactor that counts the texts it is given. */
function counting(): { calls: string[]; redact: () => (text: string) => string } {
  const calls: string[] = [];
  const redactOne = (text: string) => {
    calls.push(text);
    return text.replaceAll(KEY, '[redacted]');
  };
  return { calls, redact: () => redactOne };
}

describe('log lines', () => {
  it('text: time of day, the level padded to five, the message with control characters escaped', () => {
    const lines: string[] = [];
    const log = createLogger('text', (l) => lines.push(l), 'debug');
    log.log('info', 'request', 'first\nline');
    log.log('error', 'request', 'second');
    log.log('debug', 'request', 'third');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}first\\nline$/);
    expect(lines[1]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} ERROR second$/);
    expect(lines[2]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} DEBUG third$/);
  });

  it('text: the message is redacted; the fields, never written, are not even looked at', () => {
    const lines: string[] = [];
    const { calls, redact } = counting();
    const log = redactingLogger(
      createLogger('text', (l) => lines.push(l)),
      redact,
    );
    const fields = { reason: `upstream said ${KEY}`, provider: 'a' };
    log.log('warn', 'failover', `failover: ${KEY} rejected`, fields);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/WARN {2}failover: \[redacted\] rejected$/);
    expect(lines.join('\n')).not.toContain(KEY);
    expect(calls).toEqual([`failover: ${KEY} rejected`]);
    expect(fields.reason).toBe(`upstream said ${KEY}`); // the caller's object is left as it was
  });

  it('JSON: message and string fields are redacted', () => {
    const lines: string[] = [];
    const { calls, redact } = counting();
    const log = redactingLogger(
      createLogger('json', (l) => lines.push(l)),
      redact,
    );
    log.log('warn', 'failover', `failover: ${KEY} rejected`, { reason: `upstream said ${KEY}`, status: 401 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(KEY);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'warn', event: 'failover', message: 'failover: [redacted] rejected', reason: 'upstream said [redacted]', status: 401 });
    expect(calls).toHaveLength(2);
  });
});
