/**
 * The data plane's validation, run by the components on the objects they render, so a spec that
 * the gateway would refuse fails `pulumi preview` instead: `validateObject` (schemas and the CRDs'
 * rules) on each object, then `compileConfig` over the object and stand-ins for what it refers to
 * (CEL conditions, secret references, route parents and backends, policy targets).
 *
 * Problems name the component and the field by its arg path (`ai.groups[0].providers[0].name`),
 * which is the object's path without `spec.`: the args mirror the spec.
 */
import { compileConfig, ConfigError, type SecretSource } from '../functions/model/compile.js';
import { validateObject, type ManifestObject } from '../functions/model/validate.js';
import { HTACCESS_KEY, HTPASSWD_STAND_IN } from './basic-auth.js';
import { hedgingArgPath } from './hedging.js';
import { CREDENTIAL_STAND_INS, GCP_CREDENTIALS_KEY, gcpRefId, gcpSecretRefs } from './credentials.js';
import { AGENTGATEWAY_API_VERSION, AGENTGATEWAY_GROUP, GATEWAY_API_VERSION, GATEWAY_GROUP, SECRET_KEY, type Manifest, type Plain } from './render.js';

/** An invalid spec: every problem, each naming the component and the field. */
export class SpecError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'SpecError';
  }
}

/** `modelgate:index:Backend anthropic`: how problems name the component. */
export interface Owner {
  type: string;
  name: string;
}

const describeOwner = (o: Owner) => `${o.type} ${o.name}`;

/** `spec.ai.groups[0]` -> `ai.groups[0]`; `metadata.name` -> `name`; a hedging annotation -> its arg (`hedging.after`). */
export function argPath(path: string): string {
  if (path === 'spec' || path === '') return '';
  if (path.startsWith('spec.')) return path.slice(5);
  if (path === 'metadata.name') return 'name';
  if (path === 'metadata.namespace') return 'gateway namespace';
  return hedgingArgPath(path) ?? path;
}

export function problem(owner: Owner, path: string, message: string): string {
  return `${describeOwner(owner)}: ${path ? `${path}: ` : ''}${message}`;
}

/** Validates one rendered object; returns it parsed (defaults applied, as compileConfig wants it). */
export function validateManifest(owner: Owner, object: Manifest, warn?: (message: string) => void): ManifestObject {
  const result = validateObject(object);
  // Messages quote fields by their object path (`unknown field "spec.polices"`): quote the arg path instead.
  if (!result.ok) throw new SpecError(result.issues.map((i) => problem(owner, argPath(i.path), i.message.replace(/"spec\./g, '"'))));
  for (const w of result.warnings) warn?.(`${describeOwner(owner)}: ${w.replace(/^spec\./, '')}`);
  return result.object;
}

export interface ReferenceContext {
  /** The platform may hold objects the components do not manage (a cluster's Secrets, Gateways, ReferenceGrants): references to them are taken on trust. */
  trustsUnmanaged: boolean;
  /** The gateway's own object, parsed. */
  gateway: ManifestObject | undefined;
  /** `namespace/name` of the Secrets the components of this gateway hold provider keys in. */
  knownSecrets: ReadonlySet<string>;
  /** `namespace/name` of the Secrets the components of this gateway hold client API keys (digests) in. */
  knownClientKeySecrets?: ReadonlySet<string>;
  /** `namespace/name` of the Secrets the components of this gateway hold basic-auth users (an htpasswd file) in. */
  knownBasicAuthSecrets?: ReadonlySet<string>;
  /** `namespace/name` of the Secrets the components of this gateway hold provider credentials (gcp, azure, aws) in, with entries standing in for them. */
  knownCredentialSecrets?: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /** The Models of this gateway by `namespace/name`, validated: a virtual model's targets. */
  knownModels?: ReadonlyMap<string, ManifestObject>;
}

/**
 * Compiles `object` with stand-ins for what it refers to, as the data plane compiles the whole
 * config, and throws the problems. On Kubernetes a Secret or a Gateway the components do not
 * manage may exist in the cluster, so references to them are taken on trust (`trustsUnmanaged`);
 * on AWS the table holds only what the components write, so they must be this gateway's (and of
 * the right sort: a provider key's Secret for `auth.secretRef`, a client keys' Secret for
 * `apiKeyAuthentication`, a basic-auth users' Secret for `basicAuthentication`).
 */
export function checkReferences(owner: Owner, object: ManifestObject, context: ReferenceContext): void {
  const objects: ManifestObject[] = [object, ...standIns(object, context)];
  // Entries an `auth.gcp.secretRef` reads must hold Google credential JSON, even in a Secret taken on trust.
  const gcpRefs = gcpSecretRefs(object);
  const secrets: SecretSource = {
    get: (namespace, name, key) => {
      const id = `${namespace}/${name}`;
      const credentials = context.knownCredentialSecrets?.get(id);
      if (credentials) return credentials[key];
      if (context.trustsUnmanaged && gcpRefs.has(gcpRefId(name, key))) return CREDENTIAL_STAND_INS.gcp[GCP_CREDENTIALS_KEY];
      // Basic-auth users: an htpasswd file, under `.htaccess`.
      if (key === HTACCESS_KEY) return context.trustsUnmanaged || context.knownBasicAuthSecrets?.has(id) ? HTPASSWD_STAND_IN : undefined;
      return context.trustsUnmanaged || (context.knownSecrets.has(id) && key === SECRET_KEY) ? 'placeholder' : undefined;
    },
    // Client API keys: a Secret of entries, each a key or a digest.
    entries: (namespace, name): Record<string, string> | undefined => {
      const id = `${namespace}/${name}`;
      if (context.knownBasicAuthSecrets?.has(id)) return { [HTACCESS_KEY]: HTPASSWD_STAND_IN };
      return context.trustsUnmanaged || context.knownClientKeySecrets?.has(id) ? { 'stand-in': 'placeholder' } : undefined;
    },
  };
  try {
    compileConfig(objects, secrets);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const own = `${object.kind} ${object.metadata.namespace ?? 'default'}/${object.metadata.name}: `;
    throw new SpecError(
      error.problems.map((p) => {
        if (!p.startsWith(own)) return `${describeOwner(owner)}: ${p}`;
        const rest = p.slice(own.length);
        const cut = rest.indexOf(': ');
        return cut > 0 ? problem(owner, argPath(rest.slice(0, cut)), rest.slice(cut + 2)) : problem(owner, '', rest);
      }),
    );
  }
}

/** Minimal valid objects standing in for the targets, parents, backends and models `object` names. */
function standIns(object: ManifestObject, context: ReferenceContext): ManifestObject[] {
  const namespace = object.metadata.namespace ?? 'default';
  const out: ManifestObject[] = [];
  const add = (raw: Plain) => {
    const result = validateObject(raw);
    // A name no object could have: validation of `object` itself already judged the reference.
    if (result.ok) out.push(result.object);
  };
  const gatewayStub = (name: string, ns: string, listener = 'http') => ({
    apiVersion: GATEWAY_API_VERSION,
    kind: 'Gateway',
    metadata: { name, namespace: ns },
    spec: { gatewayClassName: 'stand-in', listeners: [{ name: listener, port: 8080, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } }] },
  });
  // A policy's `backend.auth.aws` signs Bedrock calls only: its targets stand in as bedrock providers.
  const signsAws = object.kind === 'AgentgatewayPolicy' && (object.spec.backend as { auth?: { aws?: unknown } } | undefined)?.auth?.aws !== undefined;
  const backendStub = (name: string, ns: string, provider = 'stand-in') => ({
    apiVersion: AGENTGATEWAY_API_VERSION,
    kind: 'AgentgatewayBackend',
    metadata: { name, namespace: ns },
    spec: { ai: { groups: [{ providers: [{ name: provider, ...(signsAws ? { bedrock: { model: 'stand-in' } } : { openai: {} }) }] }] } },
  });
  const routeStub = (name: string, ns: string, rule: string | undefined, parent: { name: string; namespace: string } | undefined) => ({
    apiVersion: GATEWAY_API_VERSION,
    kind: 'HTTPRoute',
    metadata: { name, namespace: ns },
    spec: { ...(parent && { parentRefs: [parent] }), rules: [{ ...(rule && { name: rule }) }] },
  });
  const gatewayId = context.gateway ? `${context.gateway.metadata.namespace ?? 'default'}/${context.gateway.metadata.name}` : undefined;

  if (object.kind === 'AgentgatewayPolicy') {
    for (const ref of object.spec.targetRefs ?? []) {
      if (ref.kind === 'AgentgatewayBackend') add(backendStub(ref.name, namespace, ref.sectionName));
      else if (ref.kind === 'Gateway') {
        add(gatewayStub(ref.name, namespace, ref.sectionName));
        add(routeStub(`${ref.name}-route`, namespace, undefined, { name: ref.name, namespace }));
      } else if (ref.kind === 'HTTPRoute') add(routeStub(ref.name, namespace, ref.sectionName, undefined));
    }
  }

  if (object.kind === 'AgentgatewayModel') {
    if (context.gateway) out.push(context.gateway);
    for (const ref of object.spec.parentRefs) {
      const ns = ref.namespace ?? namespace;
      // On Kubernetes a model may attach to Gateways the components do not manage.
      if ((ref.kind ?? 'Gateway') === 'Gateway' && `${ns}/${ref.name}` !== gatewayId && context.trustsUnmanaged) add(gatewayStub(ref.name, ns, ref.sectionName));
    }
    // A virtual model's targets name concrete models of its namespace: the gateway's own Models as
    // they are, when known (a virtual one, or a wildcard match without `model`, is refused); a
    // stand-in for any other name.
    const v = object.spec.virtualModel;
    const names = new Set([...(v?.failover?.targets ?? []), ...(v?.weighted?.targets ?? []), ...(v?.conditional?.targets ?? [])].map((t) => t.modelRef.name ?? ''));
    names.delete(object.metadata.name);
    const parentRefs = context.gateway ? [{ name: context.gateway.metadata.name, namespace: context.gateway.metadata.namespace ?? 'default' }] : object.spec.parentRefs;
    for (const name of names) {
      const known = context.knownModels?.get(`${namespace}/${name}`);
      // A virtual one stays out: it is no target (and its own targets are not this object's problems).
      if (known) {
        if (!(known.kind === 'AgentgatewayModel' && known.spec.virtualModel)) out.push(known);
      } else add({ apiVersion: AGENTGATEWAY_API_VERSION, kind: 'AgentgatewayModel', metadata: { name, namespace }, spec: { parentRefs, provider: 'OpenAI' } });
    }
  }

  if (object.kind === 'HTTPRoute') {
    if (context.gateway) out.push(context.gateway);
    for (const ref of object.spec.parentRefs ?? []) {
      const id = `${ref.namespace ?? namespace}/${ref.name}`;
      // On Kubernetes a route may attach to Gateways the components do not manage.
      if (ref.kind === 'Gateway' && id !== gatewayId && context.trustsUnmanaged) add(gatewayStub(ref.name, ref.namespace ?? namespace, ref.sectionName));
    }
    const seen = new Set<string>();
    for (const rule of object.spec.rules) {
      for (const ref of rule.backendRefs ?? []) {
        if (ref.kind !== 'AgentgatewayBackend' || ref.group !== AGENTGATEWAY_GROUP) continue;
        const ns = ref.namespace ?? namespace;
        if (seen.has(`${ns}/${ref.name}`)) continue;
        seen.add(`${ns}/${ref.name}`);
        add(backendStub(ref.name, ns));
        // On Kubernetes a ReferenceGrant the components do not manage may allow a cross-namespace reference.
        if (ns !== namespace && context.trustsUnmanaged) {
          add({
            apiVersion: `${GATEWAY_GROUP}/v1beta1`,
            kind: 'ReferenceGrant',
            metadata: { name: 'stand-in', namespace: ns },
            spec: { from: [{ group: GATEWAY_GROUP, kind: 'HTTPRoute', namespace }], to: [{ group: AGENTGATEWAY_GROUP, kind: 'AgentgatewayBackend' }] },
          });
        }
      }
    }
  }
  return out;
}

/** Problems of plain settings (not part of any object), in the same form. */
export function settingProblems(owner: Owner, checks: Array<[path: string, problem: string | undefined]>): void {
  const problems = checks.filter(([, p]) => p !== undefined).map(([path, p]) => problem(owner, path, p!));
  if (problems.length > 0) throw new SpecError(problems);
}
