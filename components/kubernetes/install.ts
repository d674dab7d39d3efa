/**
 * `AgentgatewayInstall`: agentgateway itself, for a `kubernetes` Gateway with
 * `install: { agentgateway: ... }` — the Gateway API CRDs (standard channel), agentgateway's CRD
 * chart and its control-plane chart, at pinned versions, in their namespace. Every object the
 * components render depends on it, so one `pulumi up` takes an empty cluster to a serving gateway.
 *
 * The versions are the ones modelgate's objects are checked against: agentgateway's CRDs in
 * ../shared/crds come from agentgateway's main branch after its v1.4.1 release, and every object
 * modelgate renders (the tutorial, the examples) also passes the v1.4.1 CRDs; agentgateway's go.mod
 * pins Gateway API v1.6.1, the version of the Gateway API CRDs there.
 */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { checked, isPlainObject } from '../inputs.js';
import { InvalidSpecError } from '../object.js';
import { problem, type Owner } from '../validation.js';

export const AGENTGATEWAY_INSTALL_TYPE = 'modelgate:index:AgentgatewayInstall';

/** agentgateway's release the charts are pinned to (both charts are published with the same version). */
export const AGENTGATEWAY_VERSION = 'v1.4.1';
/** agentgateway's OCI chart registry (its release workflow publishes `cr.agentgateway.dev/charts/<chart>:v<version>`). */
export const AGENTGATEWAY_CHART_REGISTRY = 'oci://cr.agentgateway.dev/charts';
/** The control plane: the controller, which creates the `agentgateway` GatewayClass and deploys a proxy per Gateway. */
export const AGENTGATEWAY_CHART = `${AGENTGATEWAY_CHART_REGISTRY}/agentgateway`;
/** agentgateway.dev's CRDs (AgentgatewayBackend, AgentgatewayPolicy, ...). */
export const AGENTGATEWAY_CRDS_CHART = `${AGENTGATEWAY_CHART_REGISTRY}/agentgateway-crds`;
/** Where agentgateway's install guide puts the control plane. */
export const AGENTGATEWAY_NAMESPACE = 'agentgateway-system';

/** The Gateway API release whose standard-channel CRDs are installed (what agentgateway's go.mod pins). */
export const GATEWAY_API_VERSION = 'v1.6.1';

/** The standard-channel CRDs of a Gateway API release, as its install guide applies them. */
export function gatewayApiCrdsUrl(version: string): string {
  return `https://github.com/kubernetes-sigs/gateway-api/releases/download/${version}/standard-install.yaml`;
}

export interface AgentgatewayInstallOptions {
  /** Version of both agentgateway charts (default `AGENTGATEWAY_VERSION`, `v1.4.1`). */
  version?: string;
  /** The control plane's namespace (default `agentgateway-system`). */
  namespace?: pulumi.Input<string>;
  /** Create the namespace (default true). `false` when it exists already: creating an existing namespace fails. */
  createNamespace?: boolean;
  /** Values for the `agentgateway` chart (its values.yaml: replicas, resources, `gatewayClassName`, ...). */
  values?: pulumi.Input<Record<string, unknown>>;
  /**
   * The Gateway API release whose standard CRDs are installed (default `GATEWAY_API_VERSION`,
   * `v1.6.1`); `false` when the cluster manages them itself (GKE, for one, does).
   */
  gatewayApiVersion?: string | false;
}

export interface AgentgatewayInstallArgs extends AgentgatewayInstallOptions {
  /** The cluster; the default provider, or the parent's `kubernetes` provider, otherwise. */
  provider?: pulumi.ProviderResource;
}

const OPTION_KEYS = ['version', 'namespace', 'createNamespace', 'values', 'gatewayApiVersion'] as const;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The install's resources, children of this component: depend on it to depend on all of them. */
export class AgentgatewayInstall extends pulumi.ComponentResource {
  /** The pinned versions this install applies. */
  readonly version!: string;
  readonly gatewayApiVersion!: string | undefined;
  readonly namespace!: pulumi.Output<string>;
  readonly namespaceResource?: k8s.core.v1.Namespace;
  /** The Gateway API standard-channel CRDs, from their release URL. */
  readonly gatewayApiCrds?: k8s.yaml.v2.ConfigFile;
  /** agentgateway's CRD chart. */
  readonly crds!: k8s.helm.v4.Chart;
  /** agentgateway's control plane. */
  readonly chart!: k8s.helm.v4.Chart;

  constructor(name: string, args: AgentgatewayInstallArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super(AGENTGATEWAY_INSTALL_TYPE, name, {}, opts);
    // Rehydrated (`opts.urn`): the install exists; nothing to create.
    if (opts?.urn) return;
    const owner: Owner = { type: AGENTGATEWAY_INSTALL_TYPE, name };
    const { provider, ...options } = args;
    const problems = installProblems(owner, '', options);
    if (problems.length > 0) throw new InvalidSpecError(problems, this);

    this.version = options.version ?? AGENTGATEWAY_VERSION;
    this.gatewayApiVersion = options.gatewayApiVersion === false ? undefined : (options.gatewayApiVersion ?? GATEWAY_API_VERSION);
    const namespace = checked(options.namespace ?? AGENTGATEWAY_NAMESPACE, (ns) => {
      if (typeof ns !== 'string' || !DNS_LABEL.test(ns) || ns.length > 63) {
        throw new InvalidSpecError(
          [problem(owner, 'namespace', `Invalid value: ${JSON.stringify(ns)}: must be a DNS label (lowercase letters, digits and '-', at most 63)`)],
          this,
        );
      }
    });
    this.namespace = pulumi.output(namespace);
    const childOpts = { parent: this, provider };

    if (options.createNamespace !== false) {
      this.namespaceResource = new k8s.core.v1.Namespace(`${name}-namespace`, { metadata: { name: namespace } }, childOpts);
    }
    // Cluster-scoped, from the release's own manifest: the same bytes `kubectl apply` would apply.
    if (this.gatewayApiVersion !== undefined) {
      this.gatewayApiCrds = new k8s.yaml.v2.ConfigFile(`${name}-gateway-api-crds`, { file: gatewayApiCrdsUrl(this.gatewayApiVersion) }, childOpts);
    }
    // Release names as in agentgateway's install guide: the chart names its Deployment and Service after them.
    // The CRDs are cluster-scoped: they need no namespace, and go in beside it.
    this.crds = new k8s.helm.v4.Chart(
      `${name}-agentgateway-crds`,
      { name: 'agentgateway-crds', chart: AGENTGATEWAY_CRDS_CHART, version: this.version, namespace: this.namespace },
      childOpts,
    );
    // The controller watches both CRD groups from its start, so they come first.
    this.chart = new k8s.helm.v4.Chart(
      `${name}-agentgateway`,
      { name: 'agentgateway', chart: AGENTGATEWAY_CHART, version: this.version, namespace: this.namespace, ...(options.values !== undefined && { values: options.values }) },
      { ...childOpts, dependsOn: [...(this.namespaceResource ? [this.namespaceResource] : []), ...(this.gatewayApiCrds ? [this.gatewayApiCrds] : []), this.crds] },
    );

    this.registerOutputs({ version: this.version, gatewayApiVersion: this.gatewayApiVersion, namespace: this.namespace });
  }
}

/** What is wrong with install options (`path` is where they were written, e.g. `install.agentgateway`). */
export function installProblems(owner: Owner, path: string, options: unknown): string[] {
  const at = (field: string) => (path ? `${path}.${field}` : field);
  if (!isPlainObject(options)) return [problem(owner, path, `Invalid value: must be true or an object with ${OPTION_KEYS.join(', ')}`)];
  const problems: string[] = [];
  for (const key of Object.keys(options)) {
    if (!(OPTION_KEYS as readonly string[]).includes(key)) problems.push(problem(owner, at(key), `unknown field: supported fields: ${OPTION_KEYS.join(', ')}`));
  }
  const { version, createNamespace, gatewayApiVersion, values } = options as AgentgatewayInstallOptions;
  // Versions are plain: they decide what is installed, and a preview should show it.
  const versionProblem = (v: unknown) =>
    typeof v === 'string' && /^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/.test(v) ? undefined : `Invalid value: ${JSON.stringify(v)}: must be a release version such as "v1.4.1"`;
  if (version !== undefined) {
    const bad = versionProblem(version);
    if (bad) problems.push(problem(owner, at('version'), bad));
  }
  if (gatewayApiVersion !== undefined && gatewayApiVersion !== false) {
    const bad = versionProblem(gatewayApiVersion);
    if (bad) problems.push(problem(owner, at('gatewayApiVersion'), `${bad} (or false)`));
  }
  if (createNamespace !== undefined && typeof createNamespace !== 'boolean')
    problems.push(problem(owner, at('createNamespace'), `Invalid value: ${JSON.stringify(createNamespace)}: must be of type boolean`));
  if (values !== undefined && !pulumi.Output.isInstance(values) && !isPlainObject(values))
    problems.push(problem(owner, at('values'), "Invalid value: must be an object (the chart's values)"));
  return problems;
}

/** Throws an InvalidSpecError for bad install options. */
export function checkInstall(resource: pulumi.Resource, owner: Owner, path: string, options: unknown): void {
  const problems = installProblems(owner, path, options);
  if (problems.length > 0) throw new InvalidSpecError(problems, resource);
}
