/**
 * An independent check of AWS Signature Version 4, written from the AWS documentation
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html),
 * not from the SDK that signs: the simulator's recorded call is turned back into the canonical
 * request, and the signature recomputed with the secret the test put in the environment.
 */
import { createHash, createHmac } from 'node:crypto';
import type { SimulatedCall } from '../../functions/simulator/faults.js';

const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

export interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

export function parseAuthorization(header: string | undefined): ParsedAuthorization | undefined {
  const m = header ? AUTHORIZATION.exec(header) : null;
  if (!m) return undefined;
  return { accessKeyId: m[1]!, date: m[2]!, region: m[3]!, service: m[4]!, signedHeaders: m[5]!.split(';'), signature: m[6]! };
}

/** RFC 3986 unreserved characters stay, everything else is %XX (AWS's UriEncode). */
const uriEncode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const sha256 = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/** Recomputes the signature of a recorded call; true when it matches the one the call carries. */
export function verifySigV4(call: SimulatedCall, secretAccessKey: string): boolean {
  const auth = parseAuthorization(call.headers.authorization);
  if (!auth) return false;
  const amzDate = call.headers['x-amz-date'] ?? '';
  // Every path segment encoded once more (all services but S3 sign the encoded path, encoded again).
  const canonicalUri = call.path.split('/').map(uriEncode).join('/');
  const canonicalQuery = [...new URLSearchParams(call.query)]
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalHeaders = auth.signedHeaders.map((name) => `${name}:${(call.headers[name] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const canonicalRequest = [call.method, canonicalUri, canonicalQuery, canonicalHeaders, auth.signedHeaders.join(';'), sha256(call.rawBody)].join('\n');
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, auth.date), auth.region), auth.service), 'aws4_request');
  return createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex') === auth.signature;
}
