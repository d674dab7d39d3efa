/**
 * `AgentgatewayPolicy.spec.traffic.rateLimit`, as the CRD has it: `local` limits (requests or
 * tokens per unit, with a burst), or `conditional` (the first entry whose CEL condition holds picks
 * its policy; one entry without a condition, last, is the fallback). `global` needs an external
 * rate-limit service (Envoy's rate limit protocol) and is refused by name.
 */
import * as z from 'zod';
import { countPresent, UNSUPPORTED } from './common.js';

const INT32_MAX = 2_147_483_647;

const localRateLimit = z
  .strictObject({
    requests: z.int().min(1).max(INT32_MAX).optional(),
    tokens: z.int().min(1).max(INT32_MAX).optional(),
    unit: z.enum(['Hours', 'Minutes', 'Seconds']),
    burst: z.int().min(0).max(INT32_MAX).optional(),
  })
  .superRefine((limit, ctx) => {
    if (countPresent(limit, ['requests', 'tokens']) !== 1) ctx.addIssue({ code: 'custom', message: 'exactly one of the fields in [requests tokens] must be set' });
  });

/** Refused by name: modelgate's own limits are shared across instances already (through its table), and it speaks no rate-limit service protocol. */
const globalRateLimit = z.unknown().superRefine((_value, ctx) => {
  ctx.addIssue({
    code: 'custom',
    message: `${UNSUPPORTED}: a global limit needs an external rate-limit service (Envoy's rate limit protocol); use local limits, which modelgate shares across its instances through its state table`,
  });
});

const rateLimitPolicy = z
  .strictObject({
    local: z.array(localRateLimit).min(1).max(16).optional(),
    global: globalRateLimit.optional(),
  })
  .superRefine((policy, ctx) => {
    if (countPresent(policy, ['global', 'local']) < 1) ctx.addIssue({ code: 'custom', message: 'at least one of the fields in [global local] must be set' });
  });

const conditionalRateLimit = z.strictObject({
  condition: z.string().min(1).max(16_384).optional(),
  policy: rateLimitPolicy,
});

export const rateLimit = z
  .strictObject({
    local: z.array(localRateLimit).min(1).max(16).optional(),
    global: globalRateLimit.optional(),
    conditional: z
      .array(conditionalRateLimit)
      .min(1)
      .max(16)
      .superRefine((entries, ctx) => {
        const unconditioned = entries.filter((e) => e.condition === undefined).length;
        if (unconditioned > 1 || (unconditioned === 1 && entries.at(-1)!.condition !== undefined)) {
          ctx.addIssue({ code: 'custom', message: 'conditional entries without condition must be last' });
        }
      })
      .optional(),
  })
  .superRefine((spec, ctx) => {
    if (countPresent(spec, ['conditional', 'global', 'local']) < 1)
      ctx.addIssue({ code: 'custom', message: 'at least one of the fields in [conditional global local] must be set' });
    if (spec.conditional !== undefined && countPresent(spec, ['global', 'local']) > 0) ctx.addIssue({ code: 'custom', message: 'conditional cannot be set with any other field' });
  });

export type RateLimitSpec = z.infer<typeof rateLimit>;
export type LocalRateLimitSpec = z.infer<typeof localRateLimit>;
