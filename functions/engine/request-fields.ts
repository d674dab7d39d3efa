/** Checks every client API's request parser shares: how a value's type is named, and an optional field's type. */
import { isRecord } from '../core/json.js';
import { BadRequest } from './errors.js';

/** A value's type in OpenAI's words: `null`, `an array`, or its `typeof`. */
export function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}

/** An optional field (absent or null passes) of the given type, else a 400 `invalid_type` naming it. */
export function optional(raw: Record<string, unknown>, field: string, type: 'string' | 'number' | 'boolean' | 'object'): void {
  const v = raw[field];
  if (v === undefined || v === null) return;
  if (type === 'object' ? !isRecord(v) : typeof v !== type) {
    throw new BadRequest(`Invalid type for '${field}': expected ${type === 'object' ? 'an object' : `a ${type}`}, but got ${typeName(v)}.`, field, 400, 'invalid_type');
  }
}
