/**
 * A config item's validated copy (config/validated-copy.ts): written only for an object that
 * validates, it is what validation makes of the object (defaults filled in) and its warnings; the
 * handler takes it only for its own build and only while the object's text and the copy are as
 * they were written. Anything else (no build, another build, an edited object, an edited copy, a
 * copy that is not one) is validated as before.
 */
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { expandEnv } from '../../functions/config/env.js';
import { copyDigest, trustedCopy, VALIDATED_ATTRIBUTE, type ValidatedCopy } from '../../functions/config/validated-copy.js';
import { MAX_COPIED_BYTES, validatedConfigItem } from '../../functions/config/validated-item.js';
import { ConfigError } from '../../functions/model/compile.js';
import { validateObject, type ManifestObject } from '../../functions/model/validate.js';
import { CONFIG_ATTRIBUTE } from '../../functions/state/table-layout.js';
import { tutorialText, TUTORIAL_ENV, type Obj } from '../support/manifests.js';

const objects = parseAllDocuments(tutorialText()).map((d) => expandEnv(d.toJS() as Obj, TUTORIAL_ENV) as unknown as ManifestObject);
const BUILD = 'sha256-of-this-build';

function written(object: ManifestObject = objects.find((o) => o.kind === 'AgentgatewayBackend')!) {
  const item = validatedConfigItem(object, BUILD);
  return { sk: item.sk!.S, object: item[CONFIG_ATTRIBUTE]!.S, copy: item[VALIDATED_ATTRIBUTE]!.S, item };
}

describe('validated copies of config items', () => {
  it('a copy is what validation makes of the object, defaults and warnings included, read back exactly', () => {
    expect(objects.length).toBeGreaterThan(3);
    for (const object of objects) {
      const w = written(object);
      const v = validateObject(JSON.parse(w.object));
      expect(v.ok).toBe(true);
      expect(trustedCopy(w.sk, w.object, w.copy, BUILD), object.kind).toStrictEqual({
        object: (v as { object: ManifestObject }).object,
        warnings: (v as { warnings: string[] }).warnings,
      });
    }
    // Defaults are in the copy and not in the object (the handler that takes the copy does not need the schema's defaults).
    const policy = written(objects.find((o) => o.kind === 'AgentgatewayPolicy')!);
    expect(policy.copy.length).toBeGreaterThan(policy.object.length);
  });

  it('an ignored field: its warning travels with the copy, so the handler still logs it', () => {
    const gateway = structuredClone(objects.find((o) => o.kind === 'Gateway')!) as unknown as { spec: Record<string, unknown> };
    gateway.spec.addresses = [{ type: 'IPAddress', value: '10.0.0.1' }];
    const w = written(gateway as unknown as ManifestObject);
    expect(trustedCopy(w.sk, w.object, w.copy, BUILD)?.warnings).toEqual(['spec.addresses is ignored: modelgate listens on --host / --port']);
  });

  it('taken only for its own build, and only while the object and the copy are as written', () => {
    const w = written();
    expect(trustedCopy(w.sk, w.object, w.copy, BUILD)).toBeDefined();
    const copy = JSON.parse(w.copy) as ValidatedCopy;
    const edited = (change: (c: ValidatedCopy) => void) => {
      const c = structuredClone(copy);
      change(c);
      return JSON.stringify(c);
    };
    const refused: Array<[string, string, string | undefined, string | undefined]> = [
      ['no build known (a handler without MODELGATE_CONFIG_BUILD)', w.object, w.copy, undefined],
      ['another build (a deploy in progress, a rollback)', w.object, w.copy, 'another-build'],
      ['no copy (an item written by hand or by another tool)', w.object, undefined, BUILD],
      ['the object edited (one character)', w.object.replace('anthropic', 'anthropiX'), w.copy, BUILD],
      ["the copy's object edited", w.object, edited((c) => ((c.object.metadata as { name: string }).name = 'other')), BUILD],
      ["the copy's warnings edited", w.object, edited((c) => c.warnings.push('x')), BUILD],
      ['the copy claiming another build', w.object, edited((c) => (c.build = 'another-build')), BUILD],
      ['the digest edited', w.object, edited((c) => (c.digest = c.digest.replace(/^./, (d) => (d === '0' ? '1' : '0')))), BUILD],
      ['a copy that is not JSON', w.object, '{"build":', BUILD],
      ['a copy of the wrong shape', w.object, JSON.stringify({ build: BUILD, digest: copy.digest, object: 'x', warnings: [] }), BUILD],
      ['warnings that are not strings', w.object, JSON.stringify({ ...copy, warnings: [1] }), BUILD],
      ['a copy that is null', w.object, 'null', BUILD],
    ];
    for (const [why, object, text, build] of refused) expect(trustedCopy(w.sk, object, text, build), why).toBeUndefined();
    // Recomputing the digest is all a deliberate writer needs (the digest is not a signature; the
    // table's writers already decide the routing): such a copy is taken.
    const forged = { ...copy, object: { ...copy.object, spec: { forged: true } } } as unknown as ValidatedCopy;
    forged.digest = copyDigest(BUILD, w.object, forged.object, forged.warnings);
    expect(trustedCopy(w.sk, w.object, JSON.stringify(forged), BUILD)?.object).toMatchObject({ spec: { forged: true } });
    // But a copy is of the object its item's key names: another object's copy, digest and all, is not taken.
    const moved = { ...copy, object: { ...copy.object, metadata: { ...copy.object.metadata, name: 'another' } } } as ValidatedCopy;
    moved.digest = copyDigest(BUILD, w.object, moved.object, moved.warnings);
    expect(trustedCopy(w.sk, w.object, JSON.stringify(moved), BUILD)).toBeUndefined();
    expect(trustedCopy(w.sk.replace('/anthropic', '/another'), w.object, JSON.stringify(moved), BUILD)).toBeDefined();
  });

  it('a large object goes without a copy (a copy doubles the item; DynamoDB refuses items over 400 KB): the handler validates it', () => {
    const backend = structuredClone(objects.find((o) => o.kind === 'AgentgatewayBackend')!) as unknown as { metadata: { annotations?: Record<string, string> } };
    backend.metadata.annotations = { note: 'x'.repeat(MAX_COPIED_BYTES / 2) };
    const item = validatedConfigItem(backend as unknown as ManifestObject, BUILD);
    expect(Object.keys(item).sort()).toEqual(['object', 'pk', 'sk']);
    // Just under the limit, the copy is there.
    backend.metadata.annotations = { note: 'x'.repeat(MAX_COPIED_BYTES / 2 - 2_000) };
    expect(Object.keys(validatedConfigItem(backend as unknown as ManifestObject, BUILD))).toContain(VALIDATED_ATTRIBUTE);
  });

  it('an object that does not validate is never written: the error names its field', () => {
    const backend = structuredClone(objects.find((o) => o.kind === 'AgentgatewayBackend')!) as unknown as {
      spec: { ai: { groups: Array<{ providers: Array<Record<string, unknown>> }> } };
    };
    backend.spec.ai.groups[0]!.providers[0]!.anthropic = { model: 42 };
    expect(() => validatedConfigItem(backend as unknown as ManifestObject, BUILD)).toThrow(ConfigError);
    expect(() => validatedConfigItem(backend as unknown as ManifestObject, BUILD)).toThrow(/spec\.ai\.groups\[0\]\.providers\[0\]\.anthropic\.model/);
  });
});
