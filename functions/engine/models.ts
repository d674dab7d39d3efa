/**
 * `GET /v1/models`: the models the route's backends serve, and the AgentgatewayModels whose
 * `visibility` is Public (by their exact `match.model`: a wildcard names no model to list), in
 * the OpenAI list shape.
 */
import type { CompiledRule } from '../model/config.js';
import type { CompiledModel } from '../model/model-config.js';
import type { GatewayResponse } from './types.js';

export function listModels(rule: CompiledRule, models: readonly CompiledModel[] = []): GatewayResponse {
  const seen = new Set<string>();
  const data: Array<{ id: string; object: 'model'; created: number; owned_by: string }> = [];
  for (const { backend } of rule.backends) {
    for (const p of backend.providers) {
      // A provider without a pinned model serves whatever the client names: nothing to list.
      const id = p.target.model;
      if (id === undefined || seen.has(id)) continue;
      seen.add(id);
      data.push({ id, object: 'model', created: 0, owned_by: p.target.kind });
    }
  }
  for (const m of models) {
    if (m.visibility !== 'Public' || m.match.includes('*') || seen.has(m.match)) continue;
    seen.add(m.match);
    data.push({ id: m.match, object: 'model', created: 0, owned_by: m.ownedBy });
  }
  return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ object: 'list', data }) };
}
