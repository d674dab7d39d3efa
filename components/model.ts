/**
 * `Model`: an `AgentgatewayModel` — a model clients ask for by name (`match.model`), attached to the
 * gateway's listener. Concrete (`provider`, `baseURL`, provider settings, `policies`) or virtual
 * (`virtualModel`: `failover` by priority, `weighted`, or `conditional` on CEL) over concrete
 * Models, given as components or by name. `parentRefs` defaults to the model's own Gateway (and its
 * listener, when it has one). A provider key (`policies.auth.key`, a Pulumi secret) goes into a
 * Secret `<name>-secret` the component creates; the object refers to it with `secretRef`.
 */
import type * as pulumi from '@pulumi/pulumi';
import type { ManifestObject } from '../functions/model/validate.js';
import type { GatewayContext } from './context.js';
import type { Gateway } from './gateway.js';
import { hedgingAnnotations } from './hedging.js';
import { mapInput } from './inputs.js';
import { resolveRef, SpecComponent } from './object.js';
import type { Plain } from './render.js';
import type { HedgingArgs, ModelAzureArgs, ModelBedrockArgs, ModelCustomArgs, ModelMatchArgs, ModelPoliciesArgs, ModelRefArgs, ModelVertexAiArgs, ParentRefArgs } from './spec.js';
import type { Owner } from './validation.js';

export const MODEL_TYPE = 'modelgate:index:Model';

/** A concrete model a target names: the Model component, or a reference by name (`{ name }`, same namespace). */
export type ModelTarget = Model | pulumi.Input<ModelRefArgs>;

/** A failover target: lower `priority` first; equal priorities share a group. */
export interface FailoverTargetArgs {
  modelRef: ModelTarget;
  /** The model the target sends (default: the concrete model's exact `match.model`). */
  model?: pulumi.Input<string>;
  priority: pulumi.Input<number>;
}

/** A weighted target: one target per request, split by `weight` (default 1). */
export interface WeightedTargetArgs {
  modelRef: ModelTarget;
  model?: pulumi.Input<string>;
  weight?: pulumi.Input<number>;
}

/** A conditional target: the first whose CEL `when` (over `request` and `llmRequest`) holds; the last may have none. */
export interface ConditionalTargetArgs {
  modelRef: ModelTarget;
  model?: pulumi.Input<string>;
  when?: pulumi.Input<string>;
}

/** `virtualModel`: exactly one of `failover`, `weighted` and `conditional`. */
export interface VirtualModelArgs {
  failover?: { targets: FailoverTargetArgs[] };
  weighted?: { targets: WeightedTargetArgs[] };
  conditional?: { targets: ConditionalTargetArgs[] };
}

export interface ModelArgs {
  /** The Gateway the model belongs to (platform, namespace, table). */
  gateway: Gateway;
  /** `metadata.name`; the component's name by default. */
  name?: pulumi.Input<string>;
  /** `spec.parentRefs`: Gateway components or references by name; default: the model's Gateway (and its listener, when it has one). */
  parentRefs?: Array<Gateway | pulumi.Input<ParentRefArgs>>;
  /** The model names the model answers to (default: its name). */
  match?: pulumi.Input<ModelMatchArgs>;
  /** `Public` (default), or `Internal`: reached only through virtual models. */
  visibility?: pulumi.Input<'Public' | 'Internal'>;
  /**
   * A concrete model's provider: `OpenAI`, `Anthropic`, `Gemini`, `VertexAI`, `Bedrock`, `Azure`,
   * `Custom`, or an OpenAI-compatible one at its `baseURL` (`Groq`, `Mistral`, `Ollama`, ...).
   */
  provider?: pulumi.Input<string>;
  /** Where the provider is reached (default: the vendor's endpoint); not localhost, loopback or link-local. */
  baseURL?: pulumi.Input<string>;
  azure?: pulumi.Input<ModelAzureArgs>;
  bedrock?: pulumi.Input<ModelBedrockArgs>;
  vertexai?: pulumi.Input<ModelVertexAiArgs>;
  custom?: pulumi.Input<ModelCustomArgs>;
  /** A concrete model's policies: auth (its key becomes a Secret), health, transformations, authorization. */
  policies?: ModelPoliciesArgs;
  /** A virtual model over concrete models (not with `provider`). */
  virtualModel?: VirtualModelArgs;
  /** Hedged requests across the model's candidates (annotation `modelgate.dev/hedge-after`, ...; modelgate's, agentgateway ignores it). */
  hedging?: pulumi.Input<HedgingArgs>;
  /** A duration (`5s`): an attempt with no first content by then fails as a timeout (annotation `modelgate.dev/first-token-timeout`). */
  firstTokenTimeout?: pulumi.Input<string>;
}

const TARGET_LISTS = ['failover', 'weighted', 'conditional'] as const;

export class Model extends SpecComponent {
  constructor(name: string, args: ModelArgs, opts?: pulumi.ComponentResourceOptions) {
    const { gateway, name: objectName, parentRefs, virtualModel, hedging, firstTokenTimeout, ...spec } = args;
    const annotations = hedgingAnnotations(hedging, firstTokenTimeout);
    super(
      MODEL_TYPE,
      'Model',
      'AgentgatewayModel',
      name,
      { gateway, name: objectName, ...(annotations && { annotations }) },
      (owner, context, dependsOn) => ({
        parentRefs: parentRefs
          ? Array.isArray(parentRefs)
            ? parentRefs.map((ref, i) =>
                resolveRef(owner, ref, { gateway: context, path: `parentRefs[${i}]` }, ['Gateway'], (info) => ({ name: info.name, namespace: info.namespace }), dependsOn),
              )
            : parentRefs
          : [defaultParent(context)],
        ...spec,
        ...(virtualModel !== undefined && { virtualModel: resolveTargets(owner, context, virtualModel, dependsOn) }),
      }),
      opts,
    );
  }
}

/** The model's own Gateway, and its listener when it has exactly one (a model attaches to a listener, as agentgateway's examples do). */
function defaultParent(context: GatewayContext): unknown {
  return mapInput(context.parsedNow ?? context.parsed, (parsed) => {
    const gateway = parsed as ManifestObject & { spec: { listeners: Array<{ name: string }> } };
    const listeners = gateway.spec.listeners;
    return { name: gateway.metadata.name, namespace: gateway.metadata.namespace, ...(listeners.length === 1 && { sectionName: listeners[0]!.name }) };
  });
}

/** Each target's `modelRef`: a Model component becomes `{ name }` (and the virtual model waits for it); a reference by name stays. */
function resolveTargets(owner: Owner, context: GatewayContext, virtual: VirtualModelArgs, dependsOn: pulumi.Resource[]): unknown {
  if (virtual === null || typeof virtual !== 'object') return virtual;
  const out: Plain = { ...virtual };
  for (const list of TARGET_LISTS) {
    const block = virtual[list] as { targets?: unknown } | undefined;
    if (block === null || typeof block !== 'object' || !Array.isArray(block.targets)) continue;
    out[list] = {
      ...block,
      targets: block.targets.map((target: unknown, i) => {
        if (target === null || typeof target !== 'object') return target;
        const path = `virtualModel.${list}.targets[${i}].modelRef`;
        const modelRef = resolveRef(owner, (target as { modelRef?: unknown }).modelRef, { gateway: context, path }, ['Model'], (info) => ({ name: info.name }), dependsOn);
        return { ...target, modelRef };
      }),
    };
  }
  return out;
}
