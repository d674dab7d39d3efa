/**
 * Pulumi runtime mocks for the component tests: every `newResource` call is recorded (type, name,
 * inputs with secrets still marked), and answered with the inputs plus the outputs a real provider
 * would add (names, ARNs, the function URL), so outputs resolve as they would after `pulumi up`.
 *
 * Create resources only after `setupMocks()` (import the module under test dynamically after it):
 * resources made before the mocks are set resolve their outputs to undefined, silently.
 */
import * as pulumi from '@pulumi/pulumi';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const FUNCTION_URL = 'https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws/';

/** An invoke (data source call) the components made, e.g. `aws:index/getCallerIdentity:getCallerIdentity`. */
export interface RecordedCall {
  token: string;
  inputs: Record<string, unknown>;
  provider: string | undefined;
}

export interface Recorded {
  type: string;
  name: string;
  /** As the engine receives them: a secret is `{ [sig]: secret sig, value }` (see `isSecretInput`). */
  inputs: Record<string, unknown>;
  provider: string | undefined;
}

export interface MockOptions {
  /** The address a Gateway custom resource reports in `status.addresses` (none by default): an IP address, or a hostname (as a cloud load balancer's). */
  gatewayAddress?: string;
}

const IP_ADDRESS = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:]*)$/;

/** What a provider adds to the inputs: physical names (autonamed), ARNs, ids, a Gateway's status. */
function outputsOf(type: string, name: string, inputs: Record<string, unknown>, options: MockOptions): Record<string, unknown> {
  const physical = typeof inputs.name === 'string' ? inputs.name : `${name}-1a2b3c4`;
  switch (type) {
    case 'kubernetes:gateway.networking.k8s.io/v1:Gateway':
      return options.gatewayAddress ? { status: { addresses: [{ type: IP_ADDRESS.test(options.gatewayAddress) ? 'IPAddress' : 'Hostname', value: options.gatewayAddress }] } } : {};
    case 'aws:dynamodb/table:Table':
      return { name: physical, arn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${physical}` };
    case 'aws:iam/role:Role':
      return { name: physical, arn: `arn:aws:iam::${ACCOUNT}:role/${physical}` };
    case 'aws:lambda/function:Function':
      return { name: physical, arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${physical}` };
    case 'aws:cloudwatch/logGroup:LogGroup':
      return { arn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${physical}` };
    case 'aws:lambda/functionUrl:FunctionUrl':
      return { functionUrl: FUNCTION_URL };
    case 'aws:secretsmanager/secret:Secret':
      return { name: physical, arn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${physical}-AbCdEf` };
    default:
      return {};
  }
}

/** What an invoke answers: the caller identity in the mock account; anything else echoes its inputs. */
function callResult(token: string, inputs: Record<string, unknown>): Record<string, unknown> {
  if (token === 'aws:index/getCallerIdentity:getCallerIdentity') {
    return { accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/deployer`, userId: 'AIDAEXAMPLE', id: ACCOUNT };
  }
  return inputs;
}

/** Every invoke since the mocks were last set (clear it with `calls.length = 0`). */
export const calls: RecordedCall[] = [];

/** The list the mocks set last add to (a test may set them again, with other options). */
let current: Recorded[] = [];

/** Empties what the mocks set last have recorded: the resources and the invokes. */
export function clearRecorded(): void {
  current.length = 0;
  calls.length = 0;
}

/** Sets the mocks (project `modelgate`, stack `test`) and returns the list every new resource is added to. */
export async function setupMocks(options: MockOptions = {}): Promise<Recorded[]> {
  const recorded: Recorded[] = [];
  current = recorded;
  calls.length = 0;
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        recorded.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown>, provider: args.provider });
        const state = { ...args.inputs, ...outputsOf(args.type, args.name, args.inputs as Record<string, unknown>, options) };
        // As AWS does: a role's id is its name, a secret's id is its ARN.
        const id = args.type === 'aws:iam/role:Role' ? state.name : args.type === 'aws:secretsmanager/secret:Secret' ? state.arn : `${args.name}-id`;
        return { id: id as string, state };
      },
      call(args) {
        calls.push({ token: args.token, inputs: args.inputs as Record<string, unknown>, provider: args.provider });
        return callResult(args.token, args.inputs as Record<string, unknown>);
      },
    },
    'modelgate',
    'test',
    false,
  );
  return recorded;
}

/**
 * An Output's value (mocks run as an update, so every value is known); rejects when the Output
 * failed (`apply` alone would never call back). `promise()` is the Output's own, not typed public.
 */
export function valueOf<T>(output: pulumi.Input<T> | undefined): Promise<pulumi.Unwrap<T>> {
  return (pulumi.output(output as pulumi.Input<T>) as unknown as { promise(): Promise<pulumi.Unwrap<T>> }).promise();
}

/** Waits until every registration so far has reached the mocks. */
export async function settle(...outputs: Array<pulumi.Input<unknown> | undefined>): Promise<void> {
  await Promise.all(outputs.map((o) => valueOf(o)));
  const wait = (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs;
  if (wait) await wait();
}

/** Whether a recorded input was a secret when the component passed it. */
export function isSecretInput(value: unknown): boolean {
  return pulumi.runtime.isRpcSecret(value);
}

/** A recorded input without its secret marker. */
export function plain<T = unknown>(value: unknown): T {
  return (isSecretInput(value) ? pulumi.runtime.unwrapRpcSecret(value) : value) as T;
}

export function ofType(recorded: readonly Recorded[], type: string): Recorded[] {
  return recorded.filter((r) => r.type === type);
}

export function one(recorded: readonly Recorded[], type: string, name?: string): Recorded {
  const found = recorded.filter((r) => r.type === type && (name === undefined || r.name === name));
  if (found.length !== 1) throw new Error(`expected one ${type}${name ? ` named ${name}` : ''}, found ${found.length}: ${found.map((r) => r.name).join(', ')}`);
  return found[0]!;
}

/**
 * Runs `fn` while collecting unhandled rejections instead of failing the run. An arg that fails
 * validation inside `apply` rejects every child resource that uses it — in a real program that is
 * how `pulumi preview` fails — and those rejections have no handler here. Bounded: gives the
 * runtime a few turns to settle, then restores vitest's own listeners.
 */
export async function collectingRejections(fn: () => Promise<void>): Promise<unknown[]> {
  const saved = process.listeners('unhandledRejection');
  const collected: unknown[] = [];
  const collect = (reason: unknown) => void collected.push(reason);
  process.removeAllListeners('unhandledRejection');
  process.on('unhandledRejection', collect);
  try {
    await fn();
    const wait = (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs;
    await wait?.().catch(() => undefined);
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  } finally {
    process.removeListener('unhandledRejection', collect);
    for (const listener of saved) process.on('unhandledRejection', listener);
  }
  return collected;
}
