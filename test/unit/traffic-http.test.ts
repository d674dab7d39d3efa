/**
 * `traffic.cors`, `traffic.headerModifiers`, `traffic.directResponse` (and `traffic.timeouts`) at
 * load: agentgateway's own fixtures accepted or refused with the CRD's messages, the checks
 * modelgate adds (header values, framing headers, CEL names and cost), how policies merge, and the
 * pieces the engine applies (origin matching as cors.rs does it, header changes, the credential
 * kept). The engine and the server are tested end to end in test/integration/traffic-http.test.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { compileCors, compileHeaderChanges, parseOrigin } from '../../functions/model/compile-traffic-http.js';
import { compileConfig, ConfigError } from '../../functions/model/compile.js';
import { validateObject, type ManifestObject } from '../../functions/model/validate.js';
import { originAllowed } from '../../functions/engine/cors.js';
import { configDump } from '../../functions/engine/config-dump.js';
import { upstreamWithHeaderChanges, withHeaderChanges } from '../../functions/engine/header-modifiers.js';
import { CRD_FIXTURES, describeWithShared } from '../support/shared.js';

type Obj = Record<string, unknown>;

function fixtures(file: string): Obj[] {
  return parseAllDocuments(readFileSync(new URL(file, CRD_FIXTURES.dir), 'utf8'))
    .map((d) => d.toJS() as Obj)
    .filter((d) => d !== null && typeof d === 'object');
}

const named = (list: Obj[], name: string) => list.find((o) => (o.metadata as Obj).name === name)!;

function policy(traffic: Obj, targetRefs: Obj[] = [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'r' }], name = 'p'): Obj {
  return { apiVersion: 'agentgateway.dev/v1alpha1', kind: 'AgentgatewayPolicy', metadata: { name, namespace: 'default' }, spec: { targetRefs, traffic } };
}

/** Every issue of an object, as `path: message`. */
function issues(o: Obj): string[] {
  const v = validateObject(o);
  return v.ok ? [] : v.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message));
}

describeWithShared("traffic HTTP policies: agentgateway's fixtures", CRD_FIXTURES, () => {
  it('accepts traffic-cors and both conditional direct responses, and compiles them', () => {
    const valid = fixtures('agentgateway_policy_valid.yaml');
    for (const name of ['traffic-cors', 'direct-response-conditional', 'direct-response-conditional-fallback', 'traffic-timeouts']) {
      expect(issues(named(valid, name)), name).toEqual([]);
    }
    // traffic-complex also has cors, but its transformation, extAuth and frontend stay unsupported.
    const complex = validateObject(named(valid, 'traffic-complex'));
    expect(complex.ok).toBe(false);
    expect(!complex.ok && complex.issues.every((i) => i.unsupported)).toBe(true);
  });

  it("refuses the invalid directResponse and timeouts fixtures with the CRD's messages", () => {
    const invalid = fixtures('agentgateway_policy_invalid.yaml');
    for (const name of [
      'traffic-directresponse-unconditional-not-last',
      'traffic-directresponse-conditional-missing-status',
      'traffic-directresponse-body-and-expression',
      'traffic-directresponse-pseudo-header',
      'empty-timeouts',
    ]) {
      const { _err, ...object } = named(invalid, name);
      const found = issues(object);
      expect(
        found.some((t) => t.includes(String(_err))),
        `${name}: ${found.join(' | ')}`,
      ).toBe(true);
    }
  });
});

describe('traffic HTTP policies: validation', () => {
  it('cors: the CRD rules (wildcard alone, set items, patterns) and an origin port no origin could have', () => {
    expect(issues(policy({ cors: { allowOrigins: ['*', 'https://a.example'] } }))).toContain(
      "spec.traffic.cors.allowOrigins: AllowOrigins cannot contain '*' alongside other origins",
    );
    expect(issues(policy({ cors: { allowMethods: ['*', 'GET'] } }))).toContain("spec.traffic.cors.allowMethods: AllowMethods cannot contain '*' alongside other methods");
    expect(issues(policy({ cors: { allowHeaders: ['*', 'x-a'] } }))).toContain("spec.traffic.cors.allowHeaders: AllowHeaders cannot contain '*' alongside other methods");
    expect(issues(policy({ cors: { allowMethods: ['GET', 'GET'] } }))).toContain('spec.traffic.cors.allowMethods[1]: Duplicate value: "GET"');
    expect(issues(policy({ cors: { allowOrigins: ['example.com'] } })).join()).toContain('spec.traffic.cors.allowOrigins[0]: should match');
    expect(issues(policy({ cors: { allowOrigins: ['https://a.example:99999'] } }))).toContain(
      'spec.traffic.cors.allowOrigins[0]: the port must be 1-65535: no request origin could match it',
    );
    expect(issues(policy({ cors: { allowOrigin: ['*'] } }))).toEqual(['spec.traffic.cors: unknown field "spec.traffic.cors.allowOrigin"']);
    expect(issues(policy({ cors: { allowOrigins: ['https://*.example.com:8443', 'http://localhost:3000'], maxAge: 60 } }))).toEqual([]);
  });

  it('headerModifiers: header names and values checked at load, framing headers refused, at least one direction', () => {
    expect(issues(policy({ headerModifiers: {} }))).toEqual(['spec.traffic.headerModifiers: at least one of the fields in [request response] must be set']);
    expect(issues(policy({ headerModifiers: { request: { set: [{ name: 'x-a', value: 'one\r\nx-injected: two' }] } } })).join()).toContain(
      'spec.traffic.headerModifiers.request.set[0].value: must be a valid HTTP header value',
    );
    expect(issues(policy({ headerModifiers: { response: { add: [{ name: 'bad name', value: 'v' }] } } })).join()).toContain(
      'spec.traffic.headerModifiers.response.add[0].name: should match',
    );
    expect(issues(policy({ headerModifiers: { request: { remove: ['bad name'] } } })).join()).toContain(
      'spec.traffic.headerModifiers.request.remove[0]: must be an HTTP header name',
    );
    expect(issues(policy({ headerModifiers: { request: { set: [{ name: 'Content-Length', value: '1' }] } } }))).toContain(
      'spec.traffic.headerModifiers.request.set[0].name: Content-Length cannot be changed: modelgate frames the upstream request itself',
    );
    expect(issues(policy({ headerModifiers: { response: { remove: ['transfer-encoding'] } } }))).toContain(
      'spec.traffic.headerModifiers.response.remove[0]: transfer-encoding cannot be changed: modelgate frames the response to the client itself',
    );
    expect(
      issues(
        policy({
          headerModifiers: {
            request: {
              add: [
                { name: 'x-a', value: '1' },
                { name: 'x-a', value: '2' },
              ],
            },
          },
        }),
      ),
    ).toContain('spec.traffic.headerModifiers.request.add[1]: Duplicate value: {"name":"x-a"}');
    expect(issues(policy({ headerModifiers: { request: { set: [{ name: 'x-team', value: 'a' }] }, response: { remove: ['server'] } } }))).toEqual([]);
  });

  it('directResponse: the plain form needs a status, and the conditional form stands alone', () => {
    expect(issues(policy({ directResponse: { body: 'x' } }))).toEqual(['spec.traffic.directResponse: status: Required value']);
    expect(issues(policy({ directResponse: { status: 200, conditional: [{ policy: { status: 200 } }] } }))).toEqual([
      'spec.traffic.directResponse: conditional cannot be set with any other field',
    ]);
    expect(issues(policy({ directResponse: { status: 199 } })).join()).toContain('spec.traffic.directResponse.status');
    expect(issues(policy({ directResponse: { status: 403, headers: [{ name: 'content-length', value: "'1'" }] } }))).toContain(
      'spec.traffic.directResponse.headers[0].name: content-length cannot be set: modelgate frames the response to the client itself',
    );
  });

  it('timeouts: only `request` exists in the CRD; backendRequest is refused by name, saying where it lives', () => {
    expect(issues(policy({ timeouts: { request: '30s' } }))).toEqual([]);
    const found = issues(policy({ timeouts: { request: '30s', backendRequest: '5s' } }));
    expect(found).toEqual([
      "spec.traffic.timeouts.backendRequest: AgentgatewayPolicy's traffic.timeouts has only `request` (the whole request's deadline, failover and streamed answer included); a per-attempt deadline is an HTTPRoute rule's `timeouts.backendRequest`",
    ]);
    expect(issues(policy({ phase: 'PreRouting', directResponse: { status: 200 } }, [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'g' }]))).toContain(
      'spec.traffic: phase PreRouting only supports extAuth, authorization, transformation, extProc, jwtAuthentication, basicAuthentication, apiKeyAuthentication and cors',
    );
  });
});

/** A route `r` on backend `b`, with these policies. */
function config(...policies: Obj[]): ManifestObject[] {
  const objects: Obj[] = [
    {
      apiVersion: 'agentgateway.dev/v1alpha1',
      kind: 'AgentgatewayBackend',
      metadata: { name: 'b', namespace: 'default' },
      spec: { ai: { provider: { openai: { model: 'm' } } }, policies: { auth: { key: 'sk-test' } } },
    },
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'r', namespace: 'default' },
      spec: { parentRefs: [{ name: 'g' }], rules: [{ backendRefs: [{ group: 'agentgateway.dev', kind: 'AgentgatewayBackend', name: 'b' }] }] },
    },
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'g', namespace: 'default' },
      spec: { gatewayClassName: 'x', listeners: [{ name: 'h', port: 80, protocol: 'HTTP' }] },
    },
    ...policies,
  ];
  return objects.map((o) => {
    const v = validateObject(o);
    if (!v.ok) throw new Error(JSON.stringify(v.issues));
    return v.object;
  });
}

function problemsOf(objects: ManifestObject[]): string[] {
  try {
    compileConfig(objects);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
}

describe('traffic HTTP policies: compile', () => {
  it('directResponse CEL: request only; response, llm and llmRequest named as not available; a condition must be a bool; cost bounded', () => {
    const dr = (entry: Obj) => problemsOf(config(policy({ directResponse: { conditional: [entry] } })));
    expect(dr({ condition: "request.path == '/x'", policy: { status: 403, bodyExpression: "'no ' + request.path", headers: [{ name: 'x-a', value: 'request.method' }] } })).toEqual(
      [],
    );
    expect(dr({ condition: 'response.code == 200', policy: { status: 403 } })).toEqual([
      'AgentgatewayPolicy default/p: spec.traffic.directResponse.conditional[0].condition: response is not available in a directResponse: it answers before any upstream (it has request)',
    ]);
    expect(dr({ condition: "llm.requestModel == 'x'", policy: { status: 403 } })[0]).toContain('llm is not available in a directResponse');
    expect(dr({ policy: { status: 403, bodyExpression: 'llmRequest.model' } })[0]).toContain(
      'spec.traffic.directResponse.conditional[0].policy.bodyExpression: llmRequest is not available in a directResponse',
    );
    expect(dr({ condition: 'request.path', policy: { status: 403 } })[0]).toContain('CEL condition must evaluate to a bool, not string');
    expect(dr({ condition: 'request.pth == "/"', policy: { status: 403 } })[0]).toContain('unknown field request.pth in CEL expression');
    const costly = `[${Array.from({ length: 150 }, (_, i) => i).join(',')}].exists(a, [${Array.from({ length: 150 }, (_, i) => i).join(',')}].exists(b, a * b == 7))`;
    expect(dr({ condition: costly, policy: { status: 403 } })[0]).toContain('CEL expression too costly');
  });

  it('merges per field: a route policy replaces the Gateway`s request modifiers and keeps its response modifiers and CORS', () => {
    const gw = [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'g' }];
    const compiled = compileConfig(
      config(
        policy(
          {
            cors: { allowOrigins: ['https://app.example'] },
            headerModifiers: { request: { set: [{ name: 'x-from', value: 'gateway' }] }, response: { set: [{ name: 'x-r', value: 'gw' }] } },
          },
          gw,
          'gw',
        ),
        policy({ headerModifiers: { request: { set: [{ name: 'X-From', value: 'route' }] } } }, undefined, 'route'),
      ),
    );
    const http = compiled.rules[0]!.http!;
    expect(http.requestHeaders).toEqual({ add: [], set: [['x-from', 'route']], remove: [] });
    expect(http.responseHeaders).toEqual({ add: [], set: [['x-r', 'gw']], remove: [] });
    expect(http.cors?.origins).toEqual([{ scheme: 'https', host: 'app.example', port: 443 }]);
  });
});

describe('traffic HTTP policies: config dump', () => {
  it('shows the compiled policies, CEL by its source, and request header names without their values', () => {
    const compiled = compileConfig(
      config(
        policy({
          cors: { allowOrigins: ['https://app.example'], allowMethods: ['POST'] },
          headerModifiers: { request: { set: [{ name: 'Authorization', value: 'Bearer custom-upstream-secret' }] }, response: { add: [{ name: 'x-a', value: '1' }] } },
          directResponse: { conditional: [{ condition: "request.path == '/x'", policy: { status: 403, body: 'no' } }] },
        }),
      ),
    );
    const dump = configDump(compiled);
    expect(JSON.stringify(dump)).not.toContain('custom-upstream-secret');
    expect(dump.routes[0]).toMatchObject({
      http: {
        cors: { origins: ['https://app.example:443'], methods: 'POST', credentials: false, maxAge: '5' },
        requestHeaders: { add: [], set: ['authorization'], remove: [] },
        responseHeaders: { add: [{ name: 'x-a', value: '1' }], set: [], remove: [] },
        directResponse: [{ when: "request.path == '/x'", status: 403, body: 'no', headers: [] }],
      },
    });
  });
});

describe('CORS origins, as cors.rs matches them', () => {
  const cors = (allowOrigins: string[]) => compileCors({ allowOrigins, maxAge: 5 });
  it('default ports equal explicit ones; schemes and ports must match', () => {
    expect(originAllowed(cors(['http://example.com:80']), 'http://example.com')).toBe(true);
    expect(originAllowed(cors(['https://example.com']), 'https://example.com:443')).toBe(true);
    expect(originAllowed(cors(['https://example.com']), 'http://example.com')).toBe(false);
    expect(originAllowed(cors(['https://example.com']), 'https://example.com:8443')).toBe(false);
    expect(originAllowed(cors(['https://Example.COM']), 'https://example.com')).toBe(true);
  });
  it('a wildcard host matches any run of characters; `*` alone matches every origin', () => {
    expect(originAllowed(cors(['http://*.com']), 'http://foo.bar.com')).toBe(true);
    expect(originAllowed(cors(['http://*.bar.com']), 'http://foo.bar.com')).toBe(true);
    expect(originAllowed(cors(['https://*.example.com']), 'https://example.com')).toBe(false);
    expect(originAllowed(cors(['http://*.org']), 'http://foo.bar.com')).toBe(false);
    expect(originAllowed(cors(['https://*']), 'https://service.internal')).toBe(true);
    expect(originAllowed(cors(['https://*.com:8443']), 'https://foo.com')).toBe(false);
    expect(originAllowed(cors(['*']), 'null')).toBe(true);
    expect(originAllowed(cors([]), 'https://a.example')).toBe(false);
  });
  it('a request origin with a path, a wildcard, another scheme, port 0 or a host longer than DNS allows matches nothing', () => {
    for (const o of ['http://example.com/path', 'http://exa*mple.com', 'ftp://example.com', 'http://example.com:0', 'null']) expect(parseOrigin(o, false), o).toBeUndefined();
    expect(originAllowed(cors(['https://*.example.com']), `https://${'a'.repeat(300)}.example.com`)).toBe(false);
  });
});

describe('header changes (Gateway API HTTPHeaderFilter)', () => {
  const changes = compileHeaderChanges({
    add: [
      { name: 'My-Header', value: 'bar,baz' },
      { name: 'x-new', value: '1' },
    ],
    set: [
      { name: 'X-Set', value: 'set' },
      { name: 'x-set', value: 'ignored: the first of equal names counts' },
    ],
    remove: ['X-Gone'],
  });
  it('add appends (comma-joined), set replaces, remove deletes; names case-insensitive', () => {
    expect(withHeaderChanges({ 'my-header': 'foo', 'X-SET': 'old', 'x-gone': 'g', keep: 'k' }, changes)).toEqual({
      'my-header': 'foo,bar,baz',
      'x-new': '1',
      'x-set': 'set',
      keep: 'k',
    });
  });
  it("never touches the header that carries the provider's key", () => {
    const mean = compileHeaderChanges({
      set: [
        { name: 'authorization', value: 'Bearer other' },
        { name: 'x-a', value: 'a' },
      ],
      remove: ['x-api-key'],
    });
    const call = { url: 'http://p', body: '{}', headers: { authorization: 'Bearer sk-provider', 'content-type': 'application/json' } };
    expect(upstreamWithHeaderChanges(call, mean, 'sk-provider').headers).toEqual({ authorization: 'Bearer sk-provider', 'content-type': 'application/json', 'x-a': 'a' });
    const anthropic = { url: 'http://p', body: '{}', headers: { 'x-api-key': 'sk-ant' } };
    expect(upstreamWithHeaderChanges(anthropic, mean, 'sk-ant').headers).toEqual({ 'x-api-key': 'sk-ant', authorization: 'Bearer other', 'x-a': 'a' });
    // A provider without a key of its own can be given one this way (agentgateway: no backend auth, nothing overrides it).
    expect(upstreamWithHeaderChanges({ url: 'http://p', body: '', headers: {} }, mean, undefined).headers).toEqual({ authorization: 'Bearer other', 'x-a': 'a' });
  });
});
