/**
 * CEL expressions from the config (`unhealthyCondition`, `retry.condition`), parsed once at load
 * with a real CEL implementation and evaluated per response. agentgateway's rule holds: an
 * expression that fails to evaluate (a missing header, a wrong type) counts as false.
 */
import { parse } from '@marcbachmann/cel-js';

export interface CelContext {
  request: { method: string; path: string; host: string; headers: Record<string, string> };
  response?: { code: number; headers: Record<string, string> };
  llm: {
    provider: string;
    requestModel?: string;
    responseModel?: string;
    streaming: boolean;
    inputTokens?: number;
    outputTokens?: number;
    totalTokens?: number;
  };
}

export interface CelCondition {
  source: string;
  /** True only when the expression evaluates to boolean true. */
  test(context: CelContext): boolean;
}

export class CelSyntaxError extends Error {}

export function compileCondition(source: string): CelCondition {
  let program: (context: Record<string, unknown>) => unknown;
  try {
    program = parse(source) as (context: Record<string, unknown>) => unknown;
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new CelSyntaxError(`invalid CEL expression: ${detail}`);
  }
  return {
    source,
    test(context) {
      try {
        return program(context as unknown as Record<string, unknown>) === true;
      } catch {
        return false;
      }
    },
  };
}
