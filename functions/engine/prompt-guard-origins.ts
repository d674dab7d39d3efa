/**
 * Where a guard service's fixed origin is really reached. OpenAI's moderation endpoint and Bedrock's
 * guardrail endpoint have no host field in the CRD (agentgateway calls https://api.openai.com and
 * https://bedrock-runtime.<region>.amazonaws.com), so nothing in a config can point them at a fake:
 * this map is the one seam that does, and only tests set it (no flag or config reads it).
 */
const testOrigins = new Map<string, string>();

/**
 * Test-only: sends calls for `origin` (`https://api.openai.com`) to `to` (`http://127.0.0.1:<port>`)
 * instead, or stops doing so when `to` is undefined. The call is built, and a Bedrock call signed,
 * for the real origin; only the socket goes elsewhere (the `host` header stays the real one).
 */
export function routeGuardOriginForTests(origin: string, to: string | undefined): void {
  if (to === undefined) testOrigins.delete(origin);
  else testOrigins.set(origin, to);
}

/** `url` with its origin replaced when a test routed it elsewhere; otherwise `url` itself. */
export function guardServiceUrl(url: string): string {
  if (testOrigins.size === 0) return url;
  const parsed = new URL(url);
  const to = testOrigins.get(parsed.origin);
  return to === undefined ? url : `${to}${parsed.pathname}${parsed.search}`;
}
