/**
 * `hedging` and `firstTokenTimeout` of a Backend or Model, as the `modelgate.dev/` annotations the
 * data plane reads (functions/model/compile-hedging.ts): they go beyond agentgateway's CRDs, so the
 * object carries them as annotations, which agentgateway ignores. Validated with the objects, by
 * the data plane's own compiler; its problems name the annotation, `hedgingArgPath` the arg.
 */
import type * as pulumi from '@pulumi/pulumi';
import { HEDGING_ANNOTATIONS } from '../functions/model/compile-hedging.js';
import { mapInput } from './inputs.js';
import type { HedgingArgs } from './spec.js';

export type AnnotationsInput = pulumi.Input<Record<string, pulumi.Input<string> | undefined>>;

/** The annotations for the args (an unset arg gives none), or undefined when neither is set. */
export function hedgingAnnotations(hedging: pulumi.Input<HedgingArgs> | undefined, firstTokenTimeout: pulumi.Input<string> | undefined): AnnotationsInput | undefined {
  if (hedging === undefined && firstTokenTimeout === undefined) return undefined;
  const timeout = { [HEDGING_ANNOTATIONS.firstTokenTimeout]: firstTokenTimeout };
  if (hedging === undefined) return timeout;
  return mapInput(hedging, (h) => ({
    ...timeout,
    [HEDGING_ANNOTATIONS.hedgeAfter]: h.after,
    // An annotation's value is a string; the data plane reads it back as a whole number.
    [HEDGING_ANNOTATIONS.maxHedges]: h.maxHedges === undefined ? undefined : mapInput(h.maxHedges, String),
    [HEDGING_ANNOTATIONS.hedgeBudget]: h.budget,
  })) as AnnotationsInput;
}

const ARG_OF_ANNOTATION: Record<string, string> = {
  [HEDGING_ANNOTATIONS.firstTokenTimeout]: 'firstTokenTimeout',
  [HEDGING_ANNOTATIONS.hedgeAfter]: 'hedging.after',
  [HEDGING_ANNOTATIONS.maxHedges]: 'hedging.maxHedges',
  [HEDGING_ANNOTATIONS.hedgeBudget]: 'hedging.budget',
};

/** `metadata.annotations["modelgate.dev/hedge-after"]` -> `hedging.after`; undefined for any other path. */
export function hedgingArgPath(path: string): string | undefined {
  const m = /^metadata\.annotations\["([^"]+)"\]$/.exec(path);
  return m ? ARG_OF_ANNOTATION[m[1]!] : undefined;
}
