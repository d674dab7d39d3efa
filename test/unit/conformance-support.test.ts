/** The golden-case comparator must be exactly as lenient as documented, and no more. */
import { describe, expect, it } from 'vitest';
import { diffJson } from '../support/conformance.js';

describe('diffJson', () => {
  it('ignores key order and matches placeholders', () => {
    expect(diffJson({ b: 1, id: 'msg_1', a: [1, { c: 'x' }] }, { a: [1, { c: 'x' }], id: '[id]', b: 1 })).toEqual([]);
    expect(diffJson({ created: 1700000000 }, { created: '[date]' })).toEqual([]);
  });

  it('reports value, type, length and key differences with their paths', () => {
    expect(diffJson({ a: 1 }, { a: 2 })).toEqual(['$.a: expected 2, got 1']);
    expect(diffJson({ a: '1' }, { a: 1 })).toEqual(['$.a: expected 1, got "1"']);
    expect(diffJson({ a: [1] }, { a: [1, 2] })).toEqual(['$.a: expected 2 items, got 1']);
    expect(diffJson({ a: 1, b: 2 }, { a: 1, c: 3 })).toEqual(['$.b: unexpected 2', '$.c: missing (expected 3)']);
  });

  it('treats placeholder keys as any value of the same type', () => {
    expect(diffJson({ created: 5 }, { created: 123 }, { placeholderKeys: ['created'] })).toEqual([]);
    expect(diffJson({ created: '5' }, { created: 123 }, { placeholderKeys: ['created'] })).not.toEqual([]);
    expect(diffJson({ created: 5 }, { created: 123 })).not.toEqual([]);
  });

  it('equates null with a missing key only when asked to', () => {
    expect(diffJson({ a: 1, b: null }, { a: 1 }, { nullMatchesAbsent: true })).toEqual([]);
    expect(diffJson({ a: 1 }, { a: 1, b: null }, { nullMatchesAbsent: true })).toEqual([]);
    expect(diffJson({ a: 1, b: null }, { a: 1 })).toEqual(['$.b: unexpected null']);
    expect(diffJson({ a: 1, b: 0 }, { a: 1 }, { nullMatchesAbsent: true })).toEqual(['$.b: unexpected 0']);
  });
});
