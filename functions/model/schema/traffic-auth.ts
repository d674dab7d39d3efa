/**
 * `traffic.jwtAuthentication`, `traffic.basicAuthentication` and `traffic.authorization` in
 * agentgateway's shape (agentgateway.dev_agentgatewaypolicies.yaml), with the CRD's rules and
 * messages. What modelgate cannot do is refused by name: a JWKS behind a Kubernetes `backendRef`
 * (only a `url` can be reached from here), and the MCP OAuth endpoints (`mcp`).
 */
import * as z from 'zod';
import { backendObjectRef, countPresent, duration, secretRef, UNSUPPORTED, unsupported } from './common.js';

const JWKS_URL = /^https?:\/\/[^/?#@]+(\/[^?#]*)?$/;

const jwksRemote = z
  .strictObject({
    backendRef: backendObjectRef.optional(),
    cacheDuration: duration(5 * 60_000, 'cacheDuration must be at least 5m').optional(),
    jwksPath: z.string().min(1).max(1024).optional(),
    url: z.string().min(1).max(1024).regex(JWKS_URL, `should match '${JWKS_URL.source}'`).optional(),
  })
  .superRefine((r, ctx) => {
    if (r.backendRef && r.jwksPath === undefined) ctx.addIssue({ code: 'custom', message: 'jwksPath is required when backendRef is set' });
    if (r.url !== undefined && r.jwksPath !== undefined) ctx.addIssue({ code: 'custom', message: 'jwksPath may not be set when url is set' });
    if (countPresent(r, ['backendRef', 'url']) !== 1) ctx.addIssue({ code: 'custom', message: 'exactly one of the fields in [backendRef url] must be set' });
    // A Kubernetes Service is not reachable from modelgate: a JWKS is fetched from a URL.
    if (r.backendRef) ctx.addIssue({ code: 'custom', path: ['backendRef'], message: `${UNSUPPORTED} (fetch the JWKS from a url)` });
  });

const jwtProvider = z.strictObject({
  audiences: z.array(z.string()).min(1).max(64).optional(),
  issuer: z.string().min(1).max(256),
  jwks: z.strictObject({ inline: z.string().min(2).max(65_536).optional(), remote: jwksRemote.optional() }).superRefine((j, ctx) => {
    if (countPresent(j, ['remote', 'inline']) !== 1) ctx.addIssue({ code: 'custom', message: 'exactly one of the fields in [remote inline] must be set' });
  }),
});

export type JwtProviderSpec = z.infer<typeof jwtProvider>;

/** The authorization block: one action and its expressions (the same shape as a model's `policies.authorization`). */
const authorization = z.strictObject({
  action: z.enum(['Allow', 'Deny', 'Require']).default('Allow'),
  policy: z.strictObject({ matchExpressions: z.array(z.string().min(1).max(16_384)).min(1).max(256) }),
});

/** The three schemas, over the credential `location` policy.ts defines for API keys as well. */
export function trafficAuthSchemas<L extends z.ZodType>(location: L) {
  const jwtAuthentication = z
    .strictObject({
      location: location.optional(),
      mcp: unsupported().optional(),
      mode: z.enum(['Optional', 'Permissive', 'Strict']).default('Strict'),
      providers: z.array(jwtProvider).min(1).max(64),
    })
    .superRefine((j, ctx) => {
      if (j.mcp !== undefined && j.providers.length !== 1) ctx.addIssue({ code: 'custom', message: 'jwtAuthentication.mcp requires exactly one provider' });
      if (j.mcp !== undefined && j.mode !== 'Strict') ctx.addIssue({ code: 'custom', message: 'jwtAuthentication.mcp requires mode Strict' });
    });
  const basicAuthentication = z
    .strictObject({
      location: location.optional(),
      mode: z.enum(['Optional', 'Strict']).default('Strict'),
      realm: z.string().optional(),
      secretRef: secretRef.optional(),
      users: z.array(z.string()).min(1).max(256).optional(),
    })
    .superRefine((b, ctx) => {
      if (countPresent(b, ['users', 'secretRef']) !== 1) ctx.addIssue({ code: 'custom', message: 'exactly one of the fields in [users secretRef] must be set' });
    });
  return { jwtAuthentication, basicAuthentication, trafficAuthorization: authorization };
}

export type JwtAuthenticationSpec = z.infer<ReturnType<typeof trafficAuthSchemas<z.ZodType<unknown>>>['jwtAuthentication']>;
export type BasicAuthenticationSpec = z.infer<ReturnType<typeof trafficAuthSchemas<z.ZodType<unknown>>>['basicAuthentication']>;
export type TrafficAuthorizationSpec = z.infer<typeof authorization>;
