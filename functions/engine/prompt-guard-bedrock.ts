/**
 * A `bedrockGuardrails` guard's call: AWS Bedrock's ApplyGuardrail API,
 * `POST https://bedrock-runtime.<region>.amazonaws.com/guardrail/<id>/version/<v>/apply` with
 * `{source: INPUT|OUTPUT, content: [{text: {text}}]}`, signed with SigV4 by the Bedrock provider's
 * signer and credential chain (or with the key of `policies.auth`, a Bedrock API key, when set).
 *
 * The verdict is agentgateway's: `action: NONE` passes; `GUARDRAIL_INTERVENED` masks when the
 * assessments say ANONYMIZED (and not BLOCKED) and there is one output per text sent, the outputs
 * being the masked texts; any other intervention rejects with the guard's `response` (its outputs
 * are then Bedrock's canned message, not masks).
 */
import type { BedrockGuard } from '../model/compile-prompt-guard.js';
import { isRecord } from '../core/json.js';
import { signBedrockCall } from '../providers/bedrock/sign.js';
import { GuardServiceError, postGuardService, withKey } from './prompt-guard-service-call.js';
import type { RemoteVerdict } from './prompt-guard-remote-verdict.js';
import type { UpstreamRequest } from '../providers/types.js';

export const bedrockGuardrailUrl = (guard: Pick<BedrockGuard, 'region' | 'identifier' | 'version'>) =>
  `https://bedrock-runtime.${guard.region}.amazonaws.com/guardrail/${encodeURIComponent(guard.identifier)}/version/${encodeURIComponent(guard.version)}/apply`;

export async function callBedrockGuardrail(guard: BedrockGuard, side: 'request' | 'response', texts: readonly string[], signal: AbortSignal): Promise<RemoteVerdict> {
  const body = JSON.stringify({ source: side === 'request' ? 'INPUT' : 'OUTPUT', content: texts.map((text) => ({ text: { text } })) });
  const unsigned = { url: bedrockGuardrailUrl(guard), headers: { 'content-type': 'application/json', accept: 'application/json' }, body };
  try {
    let call: UpstreamRequest;
    try {
      call = guard.key ? withKey(unsigned, guard.key) : await signBedrockCall(unsigned, guard.region);
    } catch {
      // The SDK's message may name a profile or a path; the reason stays generic.
      throw new GuardServiceError('no AWS credentials to sign the call with');
    }
    return verdictOf(await postGuardService(call, guard.timeoutMs, signal), texts.length);
  } catch (error) {
    if (error instanceof GuardServiceError) return { kind: 'failed', reason: error.message };
    throw error;
  }
}

function verdictOf(answer: unknown, sent: number): RemoteVerdict {
  if (!isRecord(answer) || typeof answer.action !== 'string') throw new GuardServiceError('answer has no action');
  if (answer.action === 'NONE') return { kind: 'pass' };
  if (answer.action !== 'GUARDRAIL_INTERVENED') throw new GuardServiceError(`unknown action ${JSON.stringify(answer.action.slice(0, 40))}`);
  const assessments = Array.isArray(answer.assessments) ? answer.assessments : [];
  const anonymized = !hasAction(assessments, 'BLOCKED', 0) && hasAction(assessments, 'ANONYMIZED', 0);
  const outputs = Array.isArray(answer.outputs) ? answer.outputs : [];
  if (anonymized && outputs.length === sent && outputs.every((o) => isRecord(o) && typeof o.text === 'string')) {
    return { kind: 'mask', contents: outputs.map((o) => (o as { text: string }).text) };
  }
  return { kind: 'reject' };
}

/** Whether `"action": "<action>"` appears anywhere in the assessments (their nesting varies by policy type); depth-bounded. */
function hasAction(value: unknown, action: string, depth: number): boolean {
  if (depth > 16) return false;
  if (Array.isArray(value)) return value.some((v) => hasAction(v, action, depth + 1));
  if (!isRecord(value)) return false;
  if (value.action === action) return true;
  return Object.values(value).some((v) => hasAction(v, action, depth + 1));
}
