/**
 * agentgateway attaches an AgentgatewayModel only to a listener whose `allowedRoutes.kinds` lists
 * it (`{ group: agentgateway.dev, kind: AgentgatewayModel }`); modelgate serves models on every
 * listener and ignores `kinds`. So on Kubernetes a model whose listener does not list the kind
 * would deploy and never be served: the component warns, naming the parentRef and the listener.
 */
import type { ManifestObject } from '../../functions/model/validate.js';
import { AGENTGATEWAY_GROUP } from '../render.js';

interface ListenerKinds {
  name: string;
  allowedRoutes?: { kinds?: unknown };
}

function admitsModels(listener: ListenerKinds): boolean {
  const kinds = listener.allowedRoutes?.kinds;
  return Array.isArray(kinds) && kinds.some((k: { group?: unknown; kind?: unknown }) => k?.kind === 'AgentgatewayModel' && (k.group ?? '') === AGENTGATEWAY_GROUP);
}

/** One line per parentRef to `gateway` whose listeners (its `sectionName`, or all) do not list the kind; none for another object or Gateway. */
export function unadmittedModelListeners(model: ManifestObject, gateway: ManifestObject | undefined): string[] {
  if (model.kind !== 'AgentgatewayModel' || gateway?.kind !== 'Gateway') return [];
  const namespace = model.metadata.namespace ?? 'default';
  const gatewayNamespace = gateway.metadata.namespace ?? 'default';
  const listeners = gateway.spec.listeners as ListenerKinds[];
  return model.spec.parentRefs.flatMap((ref, i) => {
    if (ref.name !== gateway.metadata.name || (ref.namespace ?? namespace) !== gatewayNamespace) return [];
    const missing = listeners.filter((l) => (ref.sectionName === undefined || l.name === ref.sectionName) && !admitsModels(l)).map((l) => l.name);
    if (missing.length === 0) return [];
    return [
      `parentRefs[${i}]: listener ${missing.join(', ')} of Gateway ${gatewayNamespace}/${gateway.metadata.name} does not list { group: ${AGENTGATEWAY_GROUP}, kind: AgentgatewayModel } in allowedRoutes.kinds: agentgateway will not attach the model there`,
    ];
  });
}
