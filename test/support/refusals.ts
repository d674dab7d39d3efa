/**
 * agentgateway's golden cases hold fields that agentgateway drops quietly (`n: 3`, `seed`,
 * `top_k` for OpenAI, ...) and modelgate refuses with a 400 naming the field. For those cases the
 * conformance suites assert both: the case as recorded is refused, naming one of the listed fields,
 * and the case without them still translates exactly as agentgateway's golden says.
 */
import { expect } from 'vitest';
import { RequestNotExpressible } from '../../functions/providers/types.js';

export interface Refusal {
  case: string;
  /** Top-level fields modelgate refuses for this translation (agentgateway drops them). */
  fields: readonly string[];
  reason: string;
}

export function buildOrRefused<Req extends object, Out>(refusals: readonly Refusal[], name: string, req: Req, build: (req: Req) => Out): Out {
  const refusal = refusals.find((r) => r.case === name);
  if (!refusal) return build(req);
  let thrown: unknown;
  try {
    build(req);
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `${name}: expected a refusal naming one of ${refusal.fields.join(', ')}`).toBeInstanceOf(RequestNotExpressible);
  expect(refusal.fields).toContain((thrown as RequestNotExpressible).param);
  const rest = Object.fromEntries(Object.entries(req).filter(([key]) => !refusal.fields.includes(key))) as Req;
  return build(rest);
}
