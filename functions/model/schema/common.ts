/**
 * Building blocks shared by the per-kind schemas: Kubernetes names, durations, references, and
 * the two ways modelgate treats upstream fields it does not implement (refused, or ignored
 * with a warning).
 */
// A namespace import keeps zod tree-shakable: `import { z }` pulls in all of it (450 KB in the Lambda bundle).
import * as z from 'zod';
import { DURATION_PATTERN, formatDuration, parseDuration } from '../../core/duration.js';

/** Marks a message as "valid upstream, not implemented here", so callers can tell it apart from a typo. */
export const UNSUPPORTED = 'is not supported by modelgate yet';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const dnsSubdomain = z.string().max(253).regex(DNS_SUBDOMAIN, `must be a lowercase RFC 1123 subdomain (should match '${DNS_SUBDOMAIN.source}')`);

const dnsLabel = z.string().max(63).regex(DNS_LABEL, `must be a lowercase RFC 1123 label (should match '${DNS_LABEL.source}')`);

/** `metadata`: only name and namespace matter; the rest of ObjectMeta is accepted as Kubernetes would. */
export const objectMeta = z.looseObject({
  name: dnsSubdomain,
  namespace: dnsLabel.optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

/**
 * A Gateway API duration with a lower bound, as the CRDs' CEL rules require. `message` is the
 * CRD rule's own message (e.g. `connectTimeout must be at least 100ms`), so errors read as kubectl's.
 */
export function duration(minMs: number, message = `must be at least ${formatDuration(minMs)}`) {
  return z
    .string()
    .max(32)
    .regex(DURATION_PATTERN, `should match '${DURATION_PATTERN.source}'`)
    .refine((text) => (parseDuration(text) ?? 0) >= minMs, message);
}

/** A field agentgateway has and modelgate does not implement, where ignoring it would change behaviour. */
export function unsupported() {
  return z.unknown().superRefine((_value, ctx) => {
    ctx.addIssue({ code: 'custom', message: UNSUPPORTED });
  });
}

/**
 * A field agentgateway has and modelgate accepts without acting on, because ignoring it is safe
 * (it only tunes something modelgate does not do). The load step warns about it by path.
 */
export function ignored() {
  return z.unknown().optional();
}

/** `secretRef` as agentgateway's backend auth has it: a core Secret in the same namespace. */
export const secretRef = z
  .strictObject({
    name: z.string().min(1, 'Required value'),
    key: z.string().min(1).optional(),
    group: z.string().optional(),
    kind: z.string().optional(),
  })
  .superRefine((ref, ctx) => {
    // The CRD's rule: an empty group means a core Secret; any other group needs an explicit kind.
    const coreGroup = !ref.group;
    if (coreGroup ? ref.kind !== undefined && ref.kind !== '' && ref.kind !== 'Secret' : !ref.kind) {
      ctx.addIssue({ code: 'custom', message: 'custom credential refs must set both group and kind' });
    } else if (!coreGroup) {
      ctx.addIssue({ code: 'custom', path: ['group'], message: `credential sources other than a core Secret ${UNSUPPORTED}` });
    }
  });

/** Counts how many of `keys` are present on `value`: the CRDs' `[has(a), has(b)].filter(...)` rules. */
export function countPresent(value: object, keys: readonly string[]): number {
  let n = 0;
  for (const key of keys) if ((value as Record<string, unknown>)[key] !== undefined) n++;
  return n;
}

/** The CRDs' "at least one of the fields in [a b] must be set". */
export function atLeastOne(keys: readonly string[]) {
  return (value: object, ctx: z.RefinementCtx) => {
    if (countPresent(value, keys) < 1) {
      ctx.addIssue({ code: 'custom', message: `at least one of the fields in [${keys.join(' ')}] must be set` });
    }
  };
}

export const port = z.int().min(1).max(65535);

/** A reference to a Kubernetes object by group, kind, name, namespace and port (a Service, by default): Gateway API's BackendObjectReference. */
export const backendObjectRef = z.strictObject({
  group: z.string().max(253).optional(),
  kind: z.string().min(1).max(63).optional(),
  name: z.string().min(1).max(253),
  namespace: z.string().min(1).max(63).optional(),
  port: port.optional(),
});
