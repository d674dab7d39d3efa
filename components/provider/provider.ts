/**
 * modelgate's component provider: what `pulumi package add` talks to. It serves the package schema
 * (analyzer.ts) and constructs the five components for programs in other languages — the work of
 * `@pulumi/pulumi/provider/experimental`'s ComponentProvider, which it does not extend: that
 * module loads the analyzer, and with it TypeScript, before analyzer.ts can choose which one.
 *
 * A Backend, Policy, Route or Model gets its Gateway as a resource reference. The engine sends a
 * reference, and the SDK turns it into a resource through this package's resource module
 * (`rehydrate`): the Gateway this process constructed, found by URN — a Backend needs the live
 * Gateway (its platform, namespace and table), which a rehydrated one (`opts.urn`: no children,
 * no fields) does not carry. Every component of one program goes through one provider process.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { generateSchema } from '@pulumi/pulumi/provider/experimental/schema.js';
import type { ConstructResult, Provider } from '@pulumi/pulumi/provider/provider.js';
import { Backend } from '../backend.js';
import { Gateway } from '../gateway.js';
import { Model } from '../model.js';
import { Policy } from '../policy.js';
import { Route } from '../route.js';
import { analyzeComponents, componentsEntry } from './analyzer.js';

/** The package name: the first part of every type token (`modelgate:index:Gateway`). */
export const PACKAGE_NAME = 'modelgate';

const COMPONENTS = { Gateway, Backend, Policy, Route, Model } as const;
type ComponentName = keyof typeof COMPONENTS;
type ComponentClass = (typeof COMPONENTS)[ComponentName];

const OBJECT_OUTPUTS = ['name', 'namespace', 'manifest', 'secretNames'] as const;
/**
 * The state a construct returns: each component's outputs in the schema (the schema test holds
 * them equal), listed so that `pulumi up` does not wait for the analyzer.
 */
export const OUTPUTS = {
  Gateway: ['platform', 'url', 'name', 'namespace', 'manifest', 'tableName', 'functionName', 'roleName', 'logGroupName', 'bundleSha256'],
  Backend: OBJECT_OUTPUTS,
  Policy: OBJECT_OUTPUTS,
  Route: OBJECT_OUTPUTS,
  Model: OBJECT_OUTPUTS,
} as const satisfies {
  Gateway: ReadonlyArray<keyof Gateway>;
  Backend: ReadonlyArray<keyof Backend>;
  Policy: ReadonlyArray<keyof Policy>;
  Route: ReadonlyArray<keyof Route>;
  Model: ReadonlyArray<keyof Model>;
};

export class ModelgateProvider implements Provider {
  readonly version: string;
  private readonly manifest: Record<string, unknown> & { description?: string };
  private packageSchema?: string;
  /** The Gateways this process constructed, by URN: what a reference to one resolves to. */
  private readonly gateways = new Map<string, Gateway>();

  /** `root`: the package's directory (package.json, and index.ts or lib/index.d.ts). */
  constructor(private readonly root: string) {
    this.manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as ModelgateProvider['manifest'];
    this.version = typeof this.manifest.version === 'string' ? this.manifest.version : '0.0.0';
  }

  async getSchema(): Promise<string> {
    this.packageSchema ??= this.analyze();
    return this.packageSchema;
  }

  async construct(name: string, type: string, inputs: pulumi.Inputs, options: pulumi.ComponentResourceOptions): Promise<ConstructResult> {
    const component = componentOf(type);
    const instance = new COMPONENTS[component](name, withoutNulls(inputs) as never, options);
    const urn = await new Promise<string>((done) => instance.urn.apply(done));
    if (instance instanceof Gateway) this.gateways.set(urn, instance);
    const fields = instance as unknown as Record<string, unknown>;
    return { urn, state: Object.fromEntries(OUTPUTS[component].map((output) => [output, fields[output]])) };
  }

  /**
   * A resource reference to one of the package's components: the Gateway constructed here, or a
   * rehydrated component (`opts.urn`: it reads its state and creates nothing).
   */
  rehydrate(name: string, type: string, urn: string): pulumi.Resource {
    const gateway = this.gateways.get(urn);
    if (gateway) return gateway;
    const Class: ComponentClass = COMPONENTS[componentOf(type)];
    return new Class(name, {} as never, { urn });
  }

  /** The package schema, from the components' declarations (seconds: TypeScript reads @pulumi/aws's types). */
  private analyze(): string {
    const entry = componentsEntry(this.root, existsSync);
    const result = analyzeComponents({ root: this.root, entry, providerName: PACKAGE_NAME, packageJSON: this.manifest, componentNames: Object.keys(COMPONENTS) });
    return JSON.stringify(generateSchema(PACKAGE_NAME, this.version, this.manifest.description ?? '', result.components, result.typeDefinitions, result.dependencies));
  }
}

/**
 * Inputs without `null`s: a field another language's SDK sends as null is a field not given (the
 * components read `undefined` as "not set"). Plain objects and arrays are walked; Outputs and
 * resources are kept as they are.
 */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value === null || typeof value !== 'object' || pulumi.Output.isInstance(value) || pulumi.Resource.isInstance(value)) return value;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  return Object.fromEntries(Object.entries(value).flatMap(([key, field]) => (field === null ? [] : [[key, withoutNulls(field)]])));
}

/** `modelgate:index:Gateway` → `Gateway`; anything else is refused. */
function componentOf(type: string): ComponentName {
  const [pkg, mod, name] = type.split(':');
  if (pkg !== PACKAGE_NAME || (mod !== 'index' && mod !== '') || !name || !Object.hasOwn(COMPONENTS, name)) {
    throw new Error(
      `modelgate: unknown resource type ${JSON.stringify(type)} (this package has ${Object.keys(COMPONENTS)
        .map((c) => `${PACKAGE_NAME}:index:${c}`)
        .join(', ')})`,
    );
  }
  return name as ComponentName;
}
