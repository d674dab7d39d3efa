/**
 * `auth.gcp`, `auth.azure`, `auth.aws` and `auth.passthrough` of a backend policy, with the
 * AgentgatewayBackend CRD's fields and rules (compiled in compile-backend-auth.ts).
 */
import * as z from 'zod';
import { countPresent, UNSUPPORTED } from './common.js';

/** The CRD's rule on credential references: an empty group is a core Secret; any other group needs a kind. */
function coreSecretRule(ref: { group?: string | undefined; kind?: string | undefined }, ctx: z.RefinementCtx) {
  const group = ref.group ?? '';
  if (group === '' ? !(ref.kind === undefined || ref.kind === '' || ref.kind === 'Secret') : !ref.kind) {
    ctx.addIssue({ code: 'custom', message: 'custom credential refs must set both group and kind' });
  } else if (group !== '') {
    ctx.addIssue({ code: 'custom', message: `a credential of kind ${ref.kind} (group ${group}) ${UNSUPPORTED}: modelgate reads credentials from Secrets` });
  }
}

const credentialRefFields = { group: z.string().optional(), kind: z.string().optional(), name: z.string().min(1).max(253) };
/** `aws.secretRef` / `azure.secretRef`: a whole Secret, read at its fixed keys. */
const credentialRef = z.strictObject(credentialRefFields).superRefine(coreSecretRule);
/** `gcp.secretRef`: one key of a Secret (default `credentials.json`). */
const keyedCredentialRef = z.strictObject({ ...credentialRefFields, key: z.string().min(1).max(253).optional() }).superRefine(coreSecretRule);

export const gcpAuth = z
  .strictObject({
    audience: z.string().min(1).max(256).optional(),
    secretRef: keyedCredentialRef.optional(),
    type: z.enum(['AccessToken', 'IdToken']).optional(),
  })
  .superRefine((g, ctx) => {
    if (g.audience !== undefined && g.type !== 'IdToken') ctx.addIssue({ code: 'custom', message: 'audience is only valid with IdToken' });
  });

export const azureAuth = z
  .strictObject({
    managedIdentity: z
      .strictObject({ clientId: z.string().optional(), objectId: z.string().optional(), resourceId: z.string().optional() })
      .superRefine((m, ctx) => {
        if (countPresent(m, ['clientId', 'objectId', 'resourceId']) > 1) {
          ctx.addIssue({ code: 'custom', message: 'at most one of the fields in [clientId objectId resourceId] may be set' });
        }
      })
      .optional(),
    secretRef: credentialRef.optional(),
    workloadIdentity: z.strictObject({}).optional(),
  })
  .superRefine((a, ctx) => {
    if (countPresent(a, ['secretRef', 'managedIdentity', 'workloadIdentity']) > 1) {
      ctx.addIssue({ code: 'custom', message: 'at most one of the fields in [secretRef managedIdentity workloadIdentity] may be set' });
    }
  });

const sessionTag = z
  .strictObject({
    key: z.string().min(1).max(128),
    value: z.string().max(256).optional(),
    expression: z.string().min(1).max(16_384).optional(),
  })
  .superRefine((t, ctx) => {
    if ((t.value !== undefined) === (t.expression !== undefined)) ctx.addIssue({ code: 'custom', message: 'exactly one of value or expression must be set' });
    // A tag computed per request would need one STS session per distinct value: not built yet.
    else if (t.expression !== undefined) ctx.addIssue({ code: 'custom', path: ['expression'], message: `a session tag computed per request ${UNSUPPORTED}; give a static value` });
  });

const assumeRole = z
  .strictObject({
    roleArn: z
      .string()
      .min(1)
      .regex(/^arn:aws[a-z-]*:iam::[0-9]{12}:role\/.+$/, "should match '^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$'"),
    sessionName: z
      .string()
      .regex(/^[\w+=,.@-]{2,64}$/, "should match '^[\\w+=,.@-]{2,64}$'")
      .optional(),
    sessionNameExpression: z.string().min(1).max(16_384).optional(),
    tags: z.array(sessionTag).max(50).optional(),
  })
  .superRefine((r, ctx) => {
    if (r.sessionName !== undefined && r.sessionNameExpression !== undefined) {
      ctx.addIssue({ code: 'custom', message: 'at most one of the fields in [sessionName sessionNameExpression] may be set' });
    } else if (r.sessionNameExpression !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['sessionNameExpression'], message: `a session name computed per request ${UNSUPPORTED}; give a static sessionName` });
    }
    const keys = new Set<string>();
    (r.tags ?? []).forEach((t, i) => {
      if (keys.has(t.key)) ctx.addIssue({ code: 'custom', path: ['tags', i], message: `Duplicate value: {"key":"${t.key}"}` });
      keys.add(t.key);
    });
  });

export const awsAuth = z
  .strictObject({
    assumeRole: assumeRole.optional(),
    region: z.string().min(1).max(256).optional(),
    secretRef: credentialRef.optional(),
    serviceName: z.string().min(1).max(256).optional(),
  })
  .superRefine((a, ctx) => {
    if (a.secretRef !== undefined && a.assumeRole !== undefined) ctx.addIssue({ code: 'custom', message: 'secretRef and assumeRole are mutually exclusive' });
  });

/** `passthrough: {}`: the CRD gives it no fields. */
export const passthroughAuth = z.strictObject({});

export type GcpAuthSpec = z.infer<typeof gcpAuth>;
export type AzureAuthSpec = z.infer<typeof azureAuth>;
export type AwsAuthSpec = z.infer<typeof awsAuth>;
