/**
 * Loopback stand-ins for the token services provider credentials come from: Google's OAuth token
 * endpoint (a service-account key's `token_uri` points here), Entra ID (HTTPS, as @azure/identity
 * insists: a self-signed certificate for 127.0.0.1 that the test process trusts while it runs) and
 * AWS STS (`AWS_ENDPOINT_URL_STS`). Each records what it was asked and can be told to fail.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';

/** A self-signed certificate for 127.0.0.1 (test only; valid for 100 years). */
const LOOPBACK_CERT = `-----BEGIN CERTIFICATE-----
MIIDJzCCAg+gAwIBAgIUe2zPPSVRD4I0LKInDF/mXYaFhS0wDQYJKoZIhvcNAQEL
BQAwFDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTEzMDE3MTM0MloYDzIxMjYx
MTA2MTcxMzQyWjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwggEiMA0GCSqGSIb3DQEB
AQUAA4IBDwAwggEKAoIBAQDdJa3c/Un/wMi7E/tKLxFWNp/FqwmeJZb7DIirXOWf
jEyoNats8sSe4OeQODQ38uQ0ZWeCfLO8VfUJFUn5o2rA84ic0Xg6ej+N5ssCv9v6
WyM101g884YWDLfpQ6mdeWxCA/Ia0tkENYfH4f+/SMk2SJTxDP8kSROxqMj0NCMu
PKtYRxWwUcrfGLBJIN+n8XL7N37ru3sCoB8eSrdU5WtMonjp/S3Hiyg2r1mZLal0
3zVD9plAYkhf2WmGx6k7L1ZkKWqEFAvxD9nhH8InVfKo2O9LPdkfAZxIl8kr3Q30
V7DinBqavlskHj9LheSdWbczN2Up2m2FU86Un82EaJ+XAgMBAAGjbzBtMB0GA1Ud
DgQWBBSZGG71dyDwGiPPyMRelYKUaj0tdTAfBgNVHSMEGDAWgBSZGG71dyDwGiPP
yMRelYKUaj0tdTAPBgNVHRMBAf8EBTADAQH/MBoGA1UdEQQTMBGHBH8AAAGCCWxv
Y2FsaG9zdDANBgkqhkiG9w0BAQsFAAOCAQEADUionx5dp1RAlL4p9K1WFdpmSjdX
HJQhY0Ho26Hwv0mZYDJYa100MxNlsQYVBwcTr9qqwPceWkc3tXlK/wn/hf4WqKQz
jQd09fGR+zat5wvlHCGgS0aec1wFfpKyZ6mM7jgRsBIe9j73sDeduDlpJJYotD02
/hzvhi254rAtK/BsaUIoOwcgjw/Klhfiss8RwsoickKEiC2/nXhQnqvZRbcdxNqy
bq+mbNNUx9TJ3IVfPr6x7HQxVUjB04wbiGbu39MGsisxSZn83yNCn7caOBSsx9xX
erDOHaNa6wYyF+FMB4GSs/XVm7VJkGV3JMTVYUweM52qDsoVpS6sPXgSVA==
-----END CERTIFICATE-----`;
const LOOPBACK_KEY = `-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDdJa3c/Un/wMi7
E/tKLxFWNp/FqwmeJZb7DIirXOWfjEyoNats8sSe4OeQODQ38uQ0ZWeCfLO8VfUJ
FUn5o2rA84ic0Xg6ej+N5ssCv9v6WyM101g884YWDLfpQ6mdeWxCA/Ia0tkENYfH
4f+/SMk2SJTxDP8kSROxqMj0NCMuPKtYRxWwUcrfGLBJIN+n8XL7N37ru3sCoB8e
SrdU5WtMonjp/S3Hiyg2r1mZLal03zVD9plAYkhf2WmGx6k7L1ZkKWqEFAvxD9nh
H8InVfKo2O9LPdkfAZxIl8kr3Q30V7DinBqavlskHj9LheSdWbczN2Up2m2FU86U
n82EaJ+XAgMBAAECggEAJIshvt8wHONw3XvWI5JsN/s7eFY6IaMD3vpZlI+mS4Yg
ng84WP7eP4QvX7qZ48DvCuV9hFIyVTs9tuwzVt2Kj4CZdj3QXewY7SGn3GLIlAdU
EISbE9SzYe4Pb1bErtwDZ/6aQZUj/WO8ders8GFeYT+p37y5EKLuw9sopzSnt5pK
RowGn9sRO8D07fEALhy9kjYlrZM3VGasuoG37RZZnGv0VM9nzJA2/15N1Eou/gLB
WM1RbqGn/1n6oKNW/WvOmj4bIiEfqU5o7iE2zTOwRjxbxLFJ6nc7KX8hrBYNo6dh
LuVTyRFyUk/avRiPCRsvLYuah9hEQWPtKqdBNK5E2QKBgQDvyvyUtQHiKuTN+Zqf
a/kqOu8thc1M9KJmsxo9nOHvlGZTn4hFdftheVAJsyIilR5D7gAcZ0l1+tZj5zJg
qQn0Lv9qPt7AnOEX7IZvUX1I6le4EJ2TRdk4l367nUXR1By8qt7uxWjUjInjGWVO
x11s6QZc+jm/Aw+zr+LMxD0eGwKBgQDsGBMzaPC2rDlaIU3su0hC+fvHOm3/OjgY
4l2PZGueg3GveRAS4INII+0JoVGmBnzi2Qo0a4d3y3yGlvy+UDjon9pMSX0VD1A3
d3/Hkctj9NfcD5om2xOwztIT1vqqgJLWwd8x6DNBjo2hOOGFlpTE8ShGpRPnDZKo
xoSaqgpsNQKBgQDSqwoW96Ns+PRFhZnzn5+rG1XQL7I7ft1Czu0p3i+dFUqFAy5s
oAe3DiZkLy25JjsNwQX17kRa04IRCSh4RWpKThP1WsDGhc04AIPnPreMHN3uByL5
JS9/CZG88KJLg0ev9YqgSW0c90+Y5lHb0UliCqOdgfTDvMPJwKfH8EwlqwKBgGnS
dLDDZbmLQn2qleH5I++ZWwg2oV0X/FLzC5qdGTvIkOlk6xZ6+X0ZVULOwukW2V1Y
iSFr3SGN3Lf67zhifs+N7uvouJ766SqjbmvGZpLcCPEDMUYfRhkm6rSn1F0eGjMW
XPNir66/ta3A8BzPnMkVisb3cQ9MXyM1L/SfKOLNAoGANT+iV6lwBAjafK8JjJ0D
Gj+oxIJMDMPKq8AtldBEfhJGAjuAHCExCsMVeTKgXlDTY4SGqQUDijq4vXFZRcqn
81x55IrnbxKy8+MV8Fxyjc+XOKep1Q/d63YXnV48WhrxJX8hknab6XaGa5MxvvZy
nbeqPguZkzvwiev/SK1yFJM=
-----END PRIVATE KEY-----`;

export interface StandIn<Req> {
  /** `http(s)://127.0.0.1:<port>` */
  url: string;
  requests: Req[];
  /** When set, every request is answered with this status and an error body. */
  failWith: number | undefined;
  close(): Promise<void>;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

async function serve<Req>(
  server: http.Server,
  scheme: 'http' | 'https',
  handle: (req: http.IncomingMessage, body: string, standIn: StandIn<Req>) => { status: number; type: string; body: string },
): Promise<StandIn<Req>> {
  const standIn: StandIn<Req> = { url: '', requests: [], failWith: undefined, close: async () => {} };
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    readBody(req).then(
      (body) => {
        const answer = handle(req, body, standIn);
        res.writeHead(answer.status, { 'content-type': answer.type });
        res.end(answer.body);
      },
      () => res.destroy(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  standIn.url = `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  standIn.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return standIn;
}

const json = (status: number, body: unknown) => ({ status, type: 'application/json', body: JSON.stringify(body) });
const claimsOf = (jwt: string): Record<string, unknown> => JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;

export interface GoogleTokenRequest {
  path: string;
  grantType: string | null;
  /** The signed assertion's claims (iss, scope, aud, target_audience). */
  claims: Record<string, unknown>;
}

/** Google's token endpoint: a JWT-bearer grant gets `ya29.test-<n>` (1 h), or an ID token when the assertion asks for one. */
export async function startGoogleTokenEndpoint(): Promise<StandIn<GoogleTokenRequest>> {
  return serve<GoogleTokenRequest>(http.createServer(), 'http', (req, body, standIn) => {
    const form = new URLSearchParams(body);
    const claims = claimsOf(form.get('assertion') ?? '');
    standIn.requests.push({ path: req.url ?? '', grantType: form.get('grant_type'), claims });
    if (standIn.failWith) return json(standIn.failWith, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
    // Numbered by the requests recorded, so a test that clears them starts again at 1.
    const minted = standIn.requests.length;
    if (claims.target_audience) {
      const now = Math.floor(Date.now() / 1000);
      const payload = Buffer.from(JSON.stringify({ aud: claims.target_audience, exp: now + 3600, iat: now, n: minted })).toString('base64url');
      return json(200, { id_token: `eyJhbGciOiJSUzI1NiJ9.${payload}.c2ln` });
    }
    return json(200, { access_token: `ya29.test-${minted}`, expires_in: 3600, token_type: 'Bearer' });
  });
}

/** A service-account key whose `token_uri` is the stand-in; its private key is real (the library signs with it). */
export function serviceAccountKey(tokenUri: string): { json: string; privateKey: string } {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const key = {
    type: 'service_account',
    project_id: 'modelgate-test',
    private_key_id: 'key-1',
    private_key: privateKey,
    client_email: 'gateway@modelgate-test.iam.gserviceaccount.com',
    client_id: '1234567890',
    token_uri: tokenUri,
  };
  return { json: JSON.stringify(key), privateKey };
}

export interface EntraTokenRequest {
  path: string;
  form: URLSearchParams;
}

/**
 * Entra ID over HTTPS: OpenID metadata, and client-credentials grants answered with `entra-test-<n>`.
 * Tokens live 299 s: MSAL renews anything within 5 minutes of expiry, so it asks every time it is
 * asked, and refresh timing is modelgate's to decide. Trusts the loopback certificate while running.
 */
export async function startEntraEndpoint(): Promise<StandIn<EntraTokenRequest>> {
  const before = tls.getCACertificates('default');
  tls.setDefaultCACertificates([...before, LOOPBACK_CERT]);
  const standIn = await serve<EntraTokenRequest>(https.createServer({ cert: LOOPBACK_CERT, key: LOOPBACK_KEY }), 'https', (req, body, s) => {
    const path = req.url ?? '';
    const tenant = path.split('/')[1] ?? '';
    if (path.includes('openid-configuration')) {
      const base = `${s.url}/${tenant}`;
      return json(200, { token_endpoint: `${base}/oauth2/v2.0/token`, issuer: `${base}/v2.0`, authorization_endpoint: `${base}/oauth2/v2.0/authorize`, jwks_uri: `${base}/keys` });
    }
    const form = new URLSearchParams(body);
    s.requests.push({ path, form });
    if (s.failWith) return json(s.failWith, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' });
    const minted = s.requests.length;
    return json(200, { token_type: 'Bearer', expires_in: 299, ext_expires_in: 299, access_token: `entra-test-${minted}` });
  });
  const close = standIn.close;
  standIn.close = async () => {
    await close();
    tls.setDefaultCACertificates(before);
  };
  return standIn;
}

export interface StsRequest {
  params: URLSearchParams;
  authorization: string | undefined;
}

/** STS: AssumeRole answered with session credentials `ASIATEST<n>` (1 h), or an AccessDenied error. */
export async function startSts(): Promise<StandIn<StsRequest>> {
  return serve<StsRequest>(http.createServer(), 'http', (req, body, s) => {
    const params = new URLSearchParams(body);
    s.requests.push({ params, authorization: req.headers.authorization });
    if (s.failWith) {
      return {
        status: s.failWith,
        type: 'text/xml',
        body: `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized to perform sts:AssumeRole</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
      };
    }
    const minted = s.requests.length;
    const expiration = new Date(Date.now() + 3_600_000).toISOString();
    return {
      status: 200,
      type: 'text/xml',
      body: `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>ASIATEST${minted}</AccessKeyId><SecretAccessKey>sts-secret-${minted}</SecretAccessKey><SessionToken>sts-session-${minted}</SessionToken><Expiration>${expiration}</Expiration></Credentials><AssumedRoleUser><Arn>${params.get('RoleArn')}/s</Arn><AssumedRoleId>AROATEST:s</AssumedRoleId></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></AssumeRoleResponse>`,
    };
  });
}
