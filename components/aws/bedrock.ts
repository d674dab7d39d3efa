/**
 * Bedrock on AWS: which models a Backend's `bedrock` providers call, and the ARNs the gateway's
 * role must be allowed to invoke for exactly those — pure functions over the validated object, so
 * the IAM document is tested without Pulumi.
 *
 * The data plane (functions/providers/bedrock) calls Converse / ConverseStream on the provider's
 * `model` in its `region` (default us-east-1), signed with the Lambda role's credentials; IAM
 * authorizes both as `bedrock:InvokeModel` / `bedrock:InvokeModelWithResponseStream` on:
 *
 * - a foundation model id (`anthropic.claude-sonnet-4-6`): `arn:aws:bedrock:<region>::foundation-model/<id>`;
 * - a cross-Region inference profile id (`us.anthropic.claude-…`, `global.…`): the profile,
 *   `arn:aws:bedrock:<region>:<account>:inference-profile/<id>`, and the underlying foundation model
 *   in whichever destination Region the profile routes the call to;
 * - an ARN: that ARN (and, for an inference profile ARN, its foundation models as above).
 *
 * A provider without `model` lets each client name any model, which no grant short of every model
 * covers: on AWS it is refused.
 */
import type { ManifestObject } from '../../functions/model/validate.js';
import { DEFAULT_BEDROCK_REGION } from '../../functions/core/endpoints.js';
import { hasUnresolved, isPlainObject } from '../inputs.js';

/**
 * Geography prefixes of Bedrock's system-defined (cross-Region) inference profile ids:
 * `<geography>.<foundation model id>`. A foundation model id starts with its vendor
 * (`anthropic.`, `amazon.`, `meta.`), never with one of these.
 */
export const INFERENCE_PROFILE_GEOGRAPHIES = ['us', 'us-gov', 'eu', 'apac', 'jp', 'au', 'ca', 'global'] as const;

/** One `bedrock` provider of a Backend, as the data plane will call it. */
export interface BedrockTarget {
  /** Where it was written, e.g. `ai.groups[0].providers[1].bedrock`. */
  path: string;
  model: string;
  region: string;
  guardrail?: string;
}

/** A problem of one field, by its arg path (the object's path without `spec.`). */
export interface FieldProblem {
  path: string;
  message: string;
}

export const BEDROCK_MODEL_REQUIRED =
  "is required on AWS: the gateway's role may invoke exactly the models the config names, and a bedrock provider without one lets each client pick any model (that would need bedrock:InvokeModel on every model)";

export const BEDROCK_MODEL_EXACT =
  "must name one model on AWS for a Bedrock model: the gateway's role may invoke exactly the models the config names, and a wildcard lets each client pick any model";

/**
 * A concrete Bedrock AgentgatewayModel: the model id it is asked for (and sends) is its exact
 * `match.model` (default: its name); a wildcard could be any model. Its transformations may
 * rewrite `model` (a virtual model's target sends its own `model` through them too): the grant
 * covers only the matched id.
 */
function modelTargets(object: ManifestObject & { kind: 'AgentgatewayModel' }): { targets: BedrockTarget[]; problems: FieldProblem[] } {
  const spec = object.spec;
  if (spec.provider !== 'Bedrock') return { targets: [], problems: [] };
  const model = spec.match?.model ?? object.metadata.name;
  const path = spec.match?.model !== undefined ? 'match.model' : 'name';
  if (/[*?$]/.test(model)) return { targets: [], problems: [{ path, message: BEDROCK_MODEL_EXACT }] };
  const guardrail = spec.bedrock?.guardrail?.identifier;
  if (guardrail !== undefined && /[*?$]/.test(guardrail)) {
    return {
      targets: [],
      problems: [{ path: 'bedrock.guardrail.identifier', message: 'may not contain "*", "?" or "$": in an IAM resource they would widen the grant beyond this guardrail' }],
    };
  }
  return { targets: [{ path: 'bedrock', model, region: spec.bedrock?.region ?? DEFAULT_BEDROCK_REGION, ...(guardrail !== undefined && { guardrail }) }], problems: [] };
}

/** The bedrock providers of a validated object (an AgentgatewayBackend's, or a Bedrock AgentgatewayModel), and what is wrong with them on AWS. */
export function bedrockTargets(object: ManifestObject): { targets: BedrockTarget[]; problems: FieldProblem[] } {
  const targets: BedrockTarget[] = [];
  const problems: FieldProblem[] = [];
  if (object.kind === 'AgentgatewayModel') return modelTargets(object);
  if (object.kind !== 'AgentgatewayBackend') return { targets, problems };
  const ai = object.spec.ai;
  const providers: Array<[string, { bedrock?: { model?: string; region?: string; guardrail?: { identifier: string } } }]> = [];
  if (ai?.provider) providers.push(['ai.provider', ai.provider]);
  for (const [g, group] of (ai?.groups ?? []).entries()) {
    for (const [p, provider] of group.providers.entries()) providers.push([`ai.groups[${g}].providers[${p}]`, provider]);
  }
  for (const [at, provider] of providers) {
    const b = provider.bedrock;
    if (!b) continue;
    const path = `${at}.bedrock`;
    if (b.model === undefined) {
      problems.push({ path: `${path}.model`, message: BEDROCK_MODEL_REQUIRED });
      continue;
    }
    const wild = [b.model, b.guardrail?.identifier].some((v) => v !== undefined && /[*?$]/.test(v));
    if (wild) {
      const field = /[*?$]/.test(b.model) ? 'model' : 'guardrail.identifier';
      problems.push({ path: `${path}.${field}`, message: 'may not contain "*", "?" or "$": in an IAM resource they would widen the grant beyond this model' });
      continue;
    }
    if (b.model.startsWith('arn:') && !parseBedrockArn(b.model)) {
      problems.push({ path: `${path}.model`, message: 'is not a Bedrock ARN (arn:<partition>:bedrock:<region>:<account>:<resource type>/<id>)' });
      continue;
    }
    targets.push({ path, model: b.model, region: b.region ?? DEFAULT_BEDROCK_REGION, ...(b.guardrail && { guardrail: b.guardrail.identifier }) });
  }
  return { targets, problems };
}

/**
 * Whether a Backend's spec, as passed to the component (before rendering), has a `bedrock`
 * provider: true, false, or undefined when an Output hides the answer (the providers, or `ai`,
 * are Outputs). A role policy must be decided at construction, so undefined and a bedrock provider
 * later is refused.
 */
export function hasBedrockProvider(spec: Record<string, unknown>): boolean | undefined {
  const ai = spec.ai;
  if (ai === undefined) return false;
  if (!isPlainObject(ai)) return hasUnresolved(ai) ? undefined : false;
  const providers: unknown[] = [];
  let unknown = false;
  if (ai.provider !== undefined) providers.push(ai.provider);
  if (ai.groups !== undefined) {
    if (!Array.isArray(ai.groups)) unknown ||= hasUnresolved(ai.groups);
    else {
      for (const group of ai.groups) {
        if (!isPlainObject(group)) unknown ||= hasUnresolved(group);
        else if (Array.isArray(group.providers)) providers.push(...group.providers);
        else unknown ||= hasUnresolved(group.providers);
      }
    }
  }
  for (const provider of providers) {
    if (isPlainObject(provider)) {
      if (provider.bedrock !== undefined) return true;
    } else unknown ||= hasUnresolved(provider);
  }
  return unknown ? undefined : false;
}

/** Whether a Model's spec, as passed to the component, is a Bedrock model: undefined when its `provider` is an Output. */
export function isBedrockModel(spec: Record<string, unknown>): boolean | undefined {
  return hasUnresolved(spec.provider) ? undefined : spec.provider === 'Bedrock';
}

// ---------------------------------------------------------------- ARNs

/** The AWS partition of a Region: `aws-us-gov` for GovCloud, `aws-cn` for China, and so on. */
export function partitionOf(region: string): string {
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  if (region.startsWith('eusc-')) return 'aws-eusc';
  return 'aws';
}

interface BedrockArn {
  partition: string;
  region: string;
  account: string;
  type: string;
  id: string;
}

export function parseBedrockArn(arn: string): BedrockArn | undefined {
  const m = /^arn:(aws[a-z-]*):bedrock:([a-z0-9-]*):(\d{12})?:([a-z-]+)\/(.+)$/.exec(arn);
  return m ? { partition: m[1]!, region: m[2]!, account: m[3] ?? '', type: m[4]!, id: m[5]! } : undefined;
}

/** `us.anthropic.claude-…` -> `anthropic.claude-…`; undefined for an id without a geography prefix. */
export function profileModel(id: string): string | undefined {
  const dot = id.indexOf('.');
  if (dot <= 0) return undefined;
  const prefix = id.slice(0, dot);
  return (INFERENCE_PROFILE_GEOGRAPHIES as readonly string[]).includes(prefix) && id.length > dot + 1 ? id.slice(dot + 1) : undefined;
}

/** True when a target needs the account id (an inference profile id, a guardrail id): its ARN has one. */
export function needsAccount(target: BedrockTarget): boolean {
  return (!target.model.startsWith('arn:') && profileModel(target.model) !== undefined) || (target.guardrail !== undefined && !target.guardrail.startsWith('arn:'));
}

/** What the role may invoke, exactly. */
export interface BedrockGrants {
  /** Invoked directly: foundation models, inference profiles, other model ARNs (provisioned, imported, ...). */
  models: string[];
  /**
   * Foundation models reached through an inference profile, in any Region but only through that
   * profile (`bedrock:InferenceProfileArn`): the profile, not the grant, decides the Regions.
   */
  viaProfiles: Array<{ profileArn: string; models: string[] }>;
  /** Guardrails the providers apply (`bedrock:ApplyGuardrail`). */
  guardrails: string[];
}

export function bedrockGrants(targets: readonly BedrockTarget[], accountId: string | undefined): BedrockGrants {
  const models = new Set<string>();
  const viaProfiles = new Map<string, Set<string>>();
  const guardrails = new Set<string>();
  const account = () => {
    if (!accountId) throw new Error('the AWS account id is needed for an inference profile or guardrail ARN');
    return accountId;
  };
  const via = (profileArn: string, model: string) => {
    const set = viaProfiles.get(profileArn) ?? new Set<string>();
    set.add(model);
    viaProfiles.set(profileArn, set);
  };
  for (const t of targets) {
    const partition = partitionOf(t.region);
    const arn = t.model.startsWith('arn:') ? parseBedrockArn(t.model) : undefined;
    if (arn) {
      models.add(t.model);
      if (arn.type === 'inference-profile') {
        const underlying = profileModel(arn.id);
        if (underlying) via(t.model, `arn:${arn.partition}:bedrock:*::foundation-model/${underlying}`);
      } else if (arn.type === 'application-inference-profile') {
        // An application profile names its model(s) only inside AWS; the condition keeps the
        // grant to what this one profile routes to.
        via(t.model, `arn:${arn.partition}:bedrock:*::foundation-model/*`);
      }
    } else {
      const underlying = profileModel(t.model);
      if (underlying) {
        const profileArn = `arn:${partition}:bedrock:${t.region}:${account()}:inference-profile/${t.model}`;
        models.add(profileArn);
        via(profileArn, `arn:${partition}:bedrock:*::foundation-model/${underlying}`);
      } else {
        models.add(`arn:${partition}:bedrock:${t.region}::foundation-model/${t.model}`);
      }
    }
    if (t.guardrail !== undefined) {
      guardrails.add(t.guardrail.startsWith('arn:') ? t.guardrail : `arn:${partition}:bedrock:${t.region}:${account()}:guardrail/${t.guardrail}`);
    }
  }
  const sorted = (s: Iterable<string>) => [...s].sort();
  return {
    models: sorted(models),
    viaProfiles: sorted(viaProfiles.keys()).map((profileArn) => ({ profileArn, models: sorted(viaProfiles.get(profileArn)!) })),
    guardrails: sorted(guardrails),
  };
}
