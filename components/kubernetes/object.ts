/**
 * A Backend's, Policy's or Route's resources on Kubernetes: a Secret per key the component holds,
 * then the custom resource, which refers to them.
 */
import * as k8s from '@pulumi/kubernetes';
import type * as pulumi from '@pulumi/pulumi';
import type { ObjectToCreate } from '../platforms.js';
import { apiVersionOf, kubernetesSecretOf } from '../render.js';

export interface KubernetesObjectResources {
  /** The custom resource, and the Secrets (in the order of `secretNames`). */
  resource: k8s.apiextensions.CustomResource;
  secrets: k8s.core.v1.Secret[];
}

/** What the objects of a gateway need of it on Kubernetes. */
export interface KubernetesObjectsContext {
  provider: pulumi.ProviderResource | undefined;
  /** What every object of the gateway waits for: the agentgateway install, when the Gateway makes one. */
  dependsOn: pulumi.Resource[];
}

export function createKubernetesObject({ parent, name, kind, rendered, owned, dependsOn }: ObjectToCreate, gateway: KubernetesObjectsContext): KubernetesObjectResources {
  const { provider } = gateway;
  // With an install, the namespace, the CRDs and the controller exist before any object.
  const installed = gateway.dependsOn;
  const secrets = owned.map((secret) => {
    // The unit-tested renderer, over Outputs: the name from the validated object, the entries a Pulumi secret.
    const object = kubernetesSecretOf({ name: secret.meta.apply((m) => m.name), namespace: secret.meta.apply((m) => m.namespace) }, secret.data);
    return new k8s.core.v1.Secret(
      secret.resourceName,
      { metadata: object.metadata, type: object.type, stringData: object.stringData },
      { parent, provider, additionalSecretOutputs: ['data', 'stringData'], dependsOn: installed },
    );
  });
  const resource = new k8s.apiextensions.CustomResource(
    name,
    { apiVersion: apiVersionOf(kind), kind, metadata: rendered.manifest.apply((m) => m.metadata), spec: rendered.manifest.apply((m) => m.spec) },
    { parent, provider, dependsOn: [...installed, ...secrets, ...dependsOn] },
  );
  return { resource, secrets };
}
