/** Core `Secret` (v1): where provider keys live, as `stringData` or base64 `data`. */
import * as z from 'zod';
import { objectMeta } from './common.js';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

export const secretObject = z.strictObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Secret'),
  metadata: objectMeta,
  type: z.string().optional(),
  immutable: z.boolean().optional(),
  stringData: z.record(z.string().regex(SECRET_KEY, 'must consist of alphanumeric characters, -, _ or .'), z.string()).optional(),
  data: z.record(z.string().regex(SECRET_KEY, 'must consist of alphanumeric characters, -, _ or .'), z.string().regex(BASE64, 'must be base64')).optional(),
});

export type SecretObject = z.infer<typeof secretObject>;
