/**
 * How compilation names a manifest object: its namespace, its `namespace/name` id, and (for
 * problems and warnings) where it was read from.
 */
import type { ManifestObject } from './validate.js';

export const DEFAULT_NAMESPACE = 'default';

export const ns = (o: { metadata: { namespace?: string | undefined } }) => o.metadata.namespace ?? DEFAULT_NAMESPACE;
export const idOf = (o: { metadata: { name: string; namespace?: string | undefined } }) => `${ns(o)}/${o.metadata.name}`;

/**
 * Where a validated object was read from (`tutorial.yaml: document 3`), when its config source
 * knows: compile problems start with it, so they point into the file as validation problems do.
 */
const ORIGINS = new WeakMap<object, string>();

export function recordOrigin(object: ManifestObject, origin: string): void {
  ORIGINS.set(object, origin);
}

/** `tutorial.yaml: document 3: AgentgatewayBackend default/anthropic`, or without the origin when unknown. */
export function describeObject(o: ManifestObject): string {
  const origin = ORIGINS.get(o);
  return `${origin ? `${origin}: ` : ''}${o.kind} ${idOf(o)}`;
}
