/**
 * A Backend's, Policy's or Route's resources on Kubernetes: a Secret per key the component holds,
 * then the custom resource, which refers to them.
 */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import type { GatewayContext } from '../context.js';
import type { OwnedSecret, Rendered } from '../object.js';
import { apiVersionOf, kubernetesSecretOf, type ComponentKind } from '../render.js';

export interface KubernetesObjectResources {
  /** The custom resource, and the Secrets (in the order of `secretNames`). */
  resource: k8s.apiextensions.CustomResource;
  secrets: k8s.core.v1.Secret[];
}

export function createKubernetesObject(
  parent: pulumi.Resource,
  name: string,
  kind: ComponentKind,
  rendered: Rendered,
  owned: readonly OwnedSecret[],
  dependsOn: readonly pulumi.Resource[],
  gateway: NonNullable<GatewayContext['kubernetes']>,
): KubernetesObjectResources {
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
