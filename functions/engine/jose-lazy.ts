/**
 * jose, loaded on first use: only a gateway with `traffic.jwtAuthentication` needs it, so the Lambda
 * bundle carries it as a separate chunk that cold starts of other gateways never parse.
 */
let loaded: Promise<typeof import('jose')> | undefined;

export function jose(): Promise<typeof import('jose')> {
  loaded ??= import('jose');
  return loaded;
}
