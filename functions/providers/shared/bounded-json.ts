/**
 * Tool call arguments are the one client JSON that arrives as a string, so they escape the
 * request body's own depth limit (engine/chat-request.ts): JSON.parse takes any depth, but the
 * JSON.stringify that sends the parsed value upstream overflows the stack (a 500) near 10,000.
 * Every translation that parses them checks the depth here first.
 */
import { RequestNotExpressible } from '../types.js';

/** Deepest nesting allowed in a tool call's `arguments` (the body's own limit is the same). */
export const MAX_ARGUMENTS_DEPTH = 128;

/** True when `value` nests arrays and objects deeper than `limit` (walked without recursion). */
function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [v, depth] = top;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > limit) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/** Throws the 400 for arguments nested past the limit; returns the value otherwise. */
export function boundedArguments<T>(value: T, param = 'messages'): T {
  if (nestsDeeperThan(value, MAX_ARGUMENTS_DEPTH)) {
    throw new RequestNotExpressible(`A tool call's function.arguments nests arrays and objects deeper than ${MAX_ARGUMENTS_DEPTH} levels.`, param);
  }
  return value;
}
