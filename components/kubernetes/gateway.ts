/**
 * The Kubernetes platform of a Gateway: the `Gateway` custom resource in the namespace, run by
 * agentgateway — already in the cluster, or installed with it (`install: { agentgateway: true }`).
 * `pulumi up` waits until the controller has programmed the Gateway and given it an address, so
 * `url` (`http://<address>:<port>`) is known when it returns.
 */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { isPlainObject } from '../inputs.js';
import { InvalidSpecError } from '../object.js';
import { GATEWAY_API_VERSION, type Manifest } from '../render.js';
import { problem, type Owner } from '../validation.js';
import { AgentgatewayInstall, checkInstall } from './install.js';
import type { KubernetesObjectsContext } from './object.js';
import type { KubernetesGatewayArgs, KubernetesInstallArgs } from './platform.js';

/** Defaults of the Kubernetes platform. */
export const KUBERNETES_DEFAULTS = {
  /** How long `pulumi up` waits for the Gateway to be Programmed and to have an address. */
  readyTimeoutSeconds: 300,
} as const;

/**
 * The `pulumi.com/waitFor` annotation the Gateway object carries: Pulumi's Kubernetes provider
 * (4.18+) waits until every expression holds — the controller's `Programmed` condition, and an
 * address in `status.addresses` (set by another loop of the controller, so not implied by it).
 */
export const GATEWAY_WAIT_FOR = JSON.stringify(['condition=Programmed', 'jsonpath={.status.addresses[0].value}']);
export const WAIT_FOR_ANNOTATION = 'pulumi.com/waitFor';
export const TIMEOUT_ANNOTATION = 'pulumi.com/timeoutSeconds';

/** What the Gateway holds on Kubernetes (its fields of the same names). */
export interface KubernetesGatewayResources {
  resource: k8s.apiextensions.CustomResource;
  install?: AgentgatewayInstall;
}

/** The Gateway custom resource (after the install, when asked for), its url, and what the gateway's objects need. */
export function createKubernetesGateway(
  parent: pulumi.ComponentResource,
  name: string,
  owner: Owner,
  args: KubernetesGatewayArgs,
  manifest: pulumi.Output<Manifest>,
  meta: { name: pulumi.Input<string>; namespace: pulumi.Input<string> },
) {
  const provider = args.provider ?? parent.getProvider('kubernetes::');
  const ready = readiness(parent, owner, args);
  const install = createInstall(parent, name, owner, args.install, provider);
  // Every object of the gateway waits for the install: its CRDs, its controller, its namespace.
  const installed: pulumi.Resource[] = install ? [install] : [];
  const resource = new k8s.apiextensions.CustomResource(
    name,
    {
      apiVersion: GATEWAY_API_VERSION,
      kind: 'Gateway',
      // The await annotations are instructions to Pulumi's provider, not part of the object: not in `manifest`.
      metadata: manifest.apply((m) => (ready ? { ...m.metadata, annotations: { ...m.metadata.annotations, ...ready.annotations } } : m.metadata)),
      spec: manifest.apply((m) => m.spec),
      // Not an input: asks for the live object's status (the controller's addresses) as an output.
      status: undefined,
    },
    { parent, provider, dependsOn: installed },
  );
  if (ready && pulumi.runtime.hasEngine() && !pulumi.runtime.isDryRun()) {
    // The provider's timeout says only "timed out waiting for the condition": say here what is awaited, and why it may never come.
    pulumi.log.info(readyMessage(owner, meta.name, meta.namespace, args.gatewayClassName, ready.timeoutSeconds, install !== undefined), resource);
  }
  // The object Pulumi returns is the one it awaited: its status has the address the url is made of.
  const status = (resource as unknown as { status: pulumi.Output<GatewayStatus | undefined> }).status;
  const resources: KubernetesGatewayResources = { resource, install };
  return {
    resources,
    url: pulumi.all([status, manifest]).apply(([s, m]) => addressUrl(s, m)),
    context: { provider, dependsOn: installed } satisfies KubernetesObjectsContext,
  };
}

/** The install `install.agentgateway` asks for, a child of the gateway; undefined when off. */
function createInstall(parent: pulumi.Resource, name: string, owner: Owner, install: KubernetesInstallArgs | undefined, provider: pulumi.ProviderResource | undefined) {
  if (install === undefined) return undefined;
  if (!isPlainObject(install)) throw new InvalidSpecError([problem(owner, 'install', 'Invalid value: must be an object such as { agentgateway: true }')], parent);
  const unknown = Object.keys(install).filter((k) => k !== 'agentgateway');
  if (unknown.length > 0)
    throw new InvalidSpecError(
      unknown.map((k) => problem(owner, `install.${k}`, 'unknown field: supported fields: agentgateway')),
      parent,
    );
  const agentgateway = install.agentgateway;
  if (agentgateway === undefined || agentgateway === false) return undefined;
  const options = agentgateway === true ? {} : agentgateway;
  checkInstall(parent, owner, 'install.agentgateway', options);
  return new AgentgatewayInstall(name, { ...options, ...(provider && { provider }) }, { parent });
}

/** The await annotations of the Gateway object, or undefined with `awaitReady: false`. */
function readiness(resource: pulumi.Resource, owner: Owner, args: KubernetesGatewayArgs) {
  const problems: string[] = [];
  if (args.awaitReady !== undefined && typeof args.awaitReady !== 'boolean')
    problems.push(problem(owner, 'awaitReady', `Invalid value: ${JSON.stringify(args.awaitReady)}: must be of type boolean`));
  const timeoutSeconds = args.readyTimeoutSeconds ?? KUBERNETES_DEFAULTS.readyTimeoutSeconds;
  // Plain: it is an annotation, and the wait it bounds is decided before the object exists.
  if (typeof timeoutSeconds !== 'number' || !Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 86_400) {
    problems.push(problem(owner, 'readyTimeoutSeconds', `Invalid value: ${JSON.stringify(timeoutSeconds)}: must be an integer from 1 to 86400 seconds`));
  }
  if (problems.length > 0) throw new InvalidSpecError(problems, resource);
  if (args.awaitReady === false) return undefined;
  return { timeoutSeconds, annotations: { [WAIT_FOR_ANNOTATION]: GATEWAY_WAIT_FOR, [TIMEOUT_ANNOTATION]: String(timeoutSeconds) } };
}

/** What `pulumi up` waits for, and what a timeout means. */
export function readyMessage(
  owner: Owner,
  name: pulumi.Input<string>,
  namespace: pulumi.Input<string>,
  gatewayClassName: pulumi.Input<string> | undefined,
  timeoutSeconds: number,
  installed: boolean,
): string {
  const text = (v: pulumi.Input<string> | undefined, fallback: string) => (typeof v === 'string' ? v : fallback);
  const id = `${text(namespace, '<namespace>')}/${text(name, owner.name)}`;
  const className = text(gatewayClassName, gatewayClassName === undefined ? 'agentgateway' : '<gatewayClassName>');
  return (
    `${owner.type} ${owner.name}: waiting up to ${timeoutSeconds}s for Gateway ${id} to be Programmed and to get an address. ` +
    `If this times out: is there a controller for GatewayClass "${className}" (kubectl get gatewayclass ${className})? ` +
    (installed ? '' : 'To install agentgateway with the gateway, set install: { agentgateway: true }. ') +
    'Without a LoadBalancer implementation in the cluster the Gateway gets no address: set awaitReady: false.'
  );
}

interface GatewayStatus {
  addresses?: Array<{ type?: string; value?: string }>;
}

/** `http://<first address>:<first listener's port>`, or `""` while the controller has reported none. */
function addressUrl(status: GatewayStatus | undefined, object: Manifest): string {
  const address = status?.addresses?.find((a) => a.value)?.value;
  if (!address) return '';
  const listeners = (object.spec as { listeners?: Array<{ port?: number }> }).listeners ?? [];
  const port = listeners[0]?.port ?? 80;
  const host = address.includes(':') ? `[${address}]` : address;
  return `http://${host}${port === 80 ? '' : `:${port}`}`;
}
