/**
 * The package schema of modelgate's components, for programs in Python, Go, C#, Java and YAML:
 * Pulumi's component analyzer (`@pulumi/pulumi/provider/experimental`) over the components'
 * TypeScript declarations, with the few rules it lacks for them.
 *
 * The stock analyzer reads `<dir>/tsconfig.json` and the package's sources; modelgate's tarball has
 * neither, only lib/*.js and lib/*.d.ts. So the program is built here, from the sources in a
 * checkout (`index.ts`) or from lib/index.d.ts in an installed package, and handed to the analyzer.
 * The rules it adds (each a schema the stock analyzer would refuse or get wrong):
 * - A `Backend`, `Policy` or `Route` is a component through its base class (`SpecComponent`), and
 *   its outputs are the base's fields: classes are followed up to `ComponentResource`.
 * - `gateway: Gateway` is a reference to the package's own resource (`#/resources/modelgate:index:Gateway`);
 *   the stock analyzer takes only `@pulumi/*` resources.
 * - Child resources (`function`, `secrets`, `provider`) stay out: they are TypeScript-only; the
 *   schema holds values. The `COMPONENT_INFO` symbol field stays out too.
 * - `@secret` in a field's doc comment marks it secret (provider keys, client API keys).
 * - An inline object type becomes a named type (`<Parent><Field>`); a string-literal union an enum
 *   (named after its type alias) or a string; `unknown` and a union of anything else (`true` or
 *   options) `pulumi.json#/Any`; an object with an index signature (a rendered manifest) `Any`.
 */
import { createRequire } from 'node:module';
import { join, resolve, sep } from 'node:path';
import type ts from 'typescript-5';
import type { AnalyzeResult, ComponentDefinition, PropertyDefinition, TypeDefinition } from '@pulumi/pulumi/provider/experimental/analyzer.js';

const require = createRequire(import.meta.url);

/** The analyzer's context for one property (its `InputOutput`: 0 neither/plain, 1 input, 2 output). */
interface Context {
  component: string;
  property?: string;
  inputOutput: 0 | 1 | 2;
  typeName?: string;
  isPartial?: boolean;
  isRequired?: boolean;
}
const OUTPUT = 2;
const NEITHER = 0;

type Property = PropertyDefinition & { secret?: boolean; optional?: boolean; plain?: boolean; description?: string };
const ANY = 'pulumi.json#/Any';

/** The analyzer's own members this file uses and wraps (they are private in its .d.ts). */
interface AnalyzerInternals {
  dir: string;
  packageJSON: Record<string, unknown>;
  providerName: string;
  program: ts.Program;
  checker: ts.TypeChecker;
  components: Record<string, ComponentDefinition>;
  typeDefinitions: Record<string, TypeDefinition>;
  dependencies: unknown[];
  docStrings: Record<string, string>;
  componentNames: Set<string>;
  programFiles: Set<string>;
  analyze(): AnalyzeResult;
  findProgramEntryPoint(): ts.SourceFile;
  isPulumiComponent(node: ts.ClassDeclaration): boolean;
  analyzeComponent(node: ts.ClassDeclaration): ComponentDefinition;
  analyzeSymbols(context: Context, symbols: ts.Symbol[]): Record<string, Property>;
  analyzeSymbol(context: Context, symbol: ts.Symbol): Property;
  analyzeType(context: Context, type: ts.Type, location: ts.Node, optional?: boolean, docString?: string): Property;
}

/**
 * The TypeScript the analyzer runs on: what @pulumi/pulumi's shim resolves (its `typescript`, or
 * its vendored 3.8.3 when there is none) when that has a compiler API. TypeScript 7 has none:
 * then, if the analyzer is not loaded yet, the shim's export becomes the package's `typescript-5`
 * (the shim's module only: @pulumi/pulumi's other users of it keep theirs). package.json's
 * overrides give @pulumi/pulumi TypeScript 5, so a plugin host, which loads the analyzer at start,
 * finds it there.
 */
export function analyzerTypeScript(): typeof ts {
  const shimPath = require.resolve('@pulumi/pulumi/typescript-shim.js');
  if (!require.cache[shimPath]) require(shimPath);
  const shim = require.cache[shimPath]!;
  if (hasCompilerApi(shim.exports)) return shim.exports as typeof ts;
  const found = String((shim.exports as { version?: unknown }).version);
  if (require.cache[require.resolve('@pulumi/pulumi/provider/experimental/analyzer.js')]) {
    throw new Error(`modelgate: @pulumi/pulumi resolves TypeScript ${found}, which has no compiler API; the component schema needs TypeScript 5 there (package.json overrides)`);
  }
  let typescript5: unknown;
  try {
    typescript5 = require('typescript-5');
  } catch {
    typescript5 = undefined;
  }
  if (!hasCompilerApi(typescript5)) throw new Error(`modelgate: @pulumi/pulumi resolves TypeScript ${found}, which has no compiler API, and typescript-5 is not installed`);
  shim.exports = typescript5;
  return typescript5 as typeof ts;
}

function hasCompilerApi(value: unknown): boolean {
  return typeof (value as { createProgram?: unknown } | undefined)?.createProgram === 'function';
}

/** Where the components are declared: the sources of a checkout, else the declarations of a built or installed package. */
export function componentsEntry(root: string, exists: (path: string) => boolean): string {
  const source = join(root, 'index.ts');
  return exists(source) ? source : join(root, 'lib', 'index.d.ts');
}

export interface AnalyzeOptions {
  /** The package root (its package.json's directory). */
  root: string;
  /** The file the components are exported from (index.ts, or lib/index.d.ts). */
  entry: string;
  providerName: string;
  packageJSON: Record<string, unknown>;
  componentNames: string[];
}

/** Runs the analyzer over the components: their definitions and the types they use. */
export function analyzeComponents(options: AnalyzeOptions): AnalyzeResult {
  const typescript = analyzerTypeScript();
  const { Analyzer } = require('@pulumi/pulumi/provider/experimental/analyzer.js') as typeof import('@pulumi/pulumi/provider/experimental/analyzer.js');
  const program = typescript.createProgram({ rootNames: [options.entry], options: compilerOptions(typescript) });
  const analyzer = Object.create(Analyzer.prototype) as AnalyzerInternals;
  Object.assign(analyzer, {
    dir: options.root,
    packageJSON: options.packageJSON,
    providerName: options.providerName,
    program,
    checker: program.getTypeChecker(),
    components: {},
    typeDefinitions: {},
    dependencies: [],
    docStrings: {},
    componentNames: new Set(options.componentNames),
    programFiles: new Set(program.getSourceFiles().map((f) => f.fileName)),
  });
  const entry = program.getSourceFile(options.entry);
  if (!entry) throw new Error(`modelgate: ${options.entry} not found: build the package (npm run build) first`);
  analyzer.findProgramEntryPoint = () => entry;
  withModelgateRules(typescript, analyzer, resolve(options.root));
  return analyzer.analyze();
}

function compilerOptions(typescript: typeof ts): ts.CompilerOptions {
  const nodeNext = typescript.ModuleKind.NodeNext !== undefined;
  return {
    target: typescript.ScriptTarget.ES2020,
    module: nodeNext ? typescript.ModuleKind.NodeNext : typescript.ModuleKind.CommonJS,
    moduleResolution: nodeNext ? typescript.ModuleResolutionKind.NodeNext : typescript.ModuleResolutionKind.NodeJs,
    strict: true,
    strictNullChecks: true,
    skipLibCheck: true,
    noEmit: true,
    types: [],
  };
}

/** Wraps the analyzer's methods with the rules in this file's header (own properties shadow the prototype's). */
function withModelgateRules(typescript: typeof ts, a: AnalyzerInternals, root: string): void {
  const checker = a.checker;
  const ownFile = (file: string) => {
    const path = resolve(file);
    return path.startsWith(root + sep) && !path.startsWith(join(root, 'node_modules') + sep);
  };
  const ownSymbol = (symbol: ts.Symbol | undefined) => !!symbol?.declarations?.some((d) => ownFile(d.getSourceFile().fileName));
  const pulumiSymbol = (symbol: ts.Symbol | undefined, names: readonly string[]) =>
    !!symbol && names.includes(symbol.getName()) && !!symbol.declarations?.some((d) => /[\\/]@pulumi[\\/]pulumi[\\/]/.test(d.getSourceFile().fileName));
  /** The class extends (at any depth) one of `names` from @pulumi/pulumi. */
  const extendsPulumi = (type: ts.Type, names: readonly string[], depth = 0): boolean => {
    if (depth > 10 || !type.isClassOrInterface()) return false;
    return checker.getBaseTypes(type).some((base) => pulumiSymbol(base.getSymbol(), names) || extendsPulumi(base, names, depth + 1));
  };
  const isResource = (type: ts.Type) => extendsPulumi(type, ['Resource', 'CustomResource', 'ComponentResource', 'ProviderResource']);
  const ownComponent = (type: ts.Type) => type.isClass() && a.componentNames.has(type.getSymbol()?.getName() ?? '') && ownSymbol(type.getSymbol()) && isResource(type);
  const arrayElement = (type: ts.Type) => (type.getSymbol()?.getName() === 'Array' ? checker.getTypeArguments(type as ts.TypeReference)[0] : undefined);
  /** Only child resources (or lists of them, or none): a field the schema leaves to TypeScript. */
  const childResources = (type: ts.Type): boolean => {
    if (type.isUnion()) {
      const defined = type.types.filter((t) => !(t.flags & (typescript.TypeFlags.Undefined | typescript.TypeFlags.Void)));
      return defined.length > 0 && defined.every(childResources);
    }
    const element = arrayElement(type);
    if (element) return childResources(element);
    return isResource(type) && !ownComponent(type);
  };
  const makeProp = (context: Context, prop: Property, optional: boolean, docString: string | undefined): Property => {
    if (optional) prop.optional = true;
    if (context.inputOutput === NEITHER && !('$ref' in prop && prop.$ref === ANY)) prop.plain = true;
    if (docString) prop.description = docString;
    return prop;
  };

  const baseIsComponent = a.isPulumiComponent.bind(a);
  a.isPulumiComponent = (node) => baseIsComponent(node) || extendsPulumi(checker.getTypeAtLocation(node), ['ComponentResource']);

  const baseComponent = a.analyzeComponent.bind(a);
  a.analyzeComponent = (node) => {
    const definition = baseComponent(node);
    // Outputs: every public field declared in the package, the base class's included.
    const instance = checker.getTypeAtLocation(node);
    const hidden = typescript.ModifierFlags.Private | typescript.ModifierFlags.Protected;
    const fields = instance.getProperties().filter((p) => ownSymbol(p) && !(typescript.getCombinedModifierFlags(p.valueDeclaration ?? p.declarations![0]!) & hidden));
    definition.outputs = a.analyzeSymbols({ component: definition.name, inputOutput: OUTPUT }, fields);
    return definition;
  };

  const baseSymbols = a.analyzeSymbols.bind(a);
  a.analyzeSymbols = (context, symbols) =>
    baseSymbols(
      context,
      symbols.filter((symbol) => {
        if (symbol.getName().startsWith('__@')) return false;
        const declaration = symbol.valueDeclaration;
        return !(declaration && childResources(checker.getTypeOfSymbolAtLocation(symbol, declaration)));
      }),
    );

  const baseSymbol = a.analyzeSymbol.bind(a);
  a.analyzeSymbol = (context, symbol) => {
    const prop = baseSymbol(context, symbol);
    const declaration = symbol.valueDeclaration;
    if (declaration && typescript.getJSDocTags(declaration).some((tag) => tag.tagName.text === 'secret')) prop.secret = true;
    return prop;
  };

  const baseType = a.analyzeType.bind(a);
  a.analyzeType = (context, type, location, optional = false, docString = undefined) => {
    if (ownComponent(type)) return makeProp(context, { $ref: `#/resources/${a.providerName}:index:${type.getSymbol()!.getName()}` }, optional, docString);
    if (type.flags & typescript.TypeFlags.Unknown) return makeProp(context, { $ref: ANY }, optional, docString);
    if (type.isClassOrInterface() && checker.getIndexInfoOfType(type, typescript.IndexKind.String)) return makeProp(context, { $ref: ANY }, optional, docString);
    if (isInlineObject(type)) return makeProp(context, { $ref: `#/types/${a.providerName}:index:${inlineType(context, type)}` }, optional, docString);
    try {
      return baseType(context, type, location, optional, docString);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('Union types are not supported') || !type.isUnion()) throw error;
      return makeProp(context, unionProperty(type, location), optional || type.types.some((t) => !!(t.flags & typescript.TypeFlags.Undefined)), docString);
    }
  };

  const isInlineObject = (type: ts.Type) =>
    !!(type.flags & typescript.TypeFlags.Object) &&
    !!((type as ts.ObjectType).objectFlags & typescript.ObjectFlags.Anonymous) &&
    type.getCallSignatures().length === 0 &&
    type.getConstructSignatures().length === 0 &&
    !checker.getIndexInfoOfType(type, typescript.IndexKind.String);

  /** An inline object type as a named type: `<parent type><Field>` (`BackendTcpArgsKeepalive`). */
  const inlineType = (context: Context, type: ts.Type): string => {
    const name = `${context.typeName ?? context.component}${pascal(context.property ?? 'Value')}`;
    if (!a.typeDefinitions[name]) {
      a.typeDefinitions[name] = { name, type: 'object', properties: {} };
      const inner: Context = { ...context, inputOutput: context.inputOutput === OUTPUT ? OUTPUT : NEITHER, typeName: name, isPartial: false, isRequired: false };
      a.typeDefinitions[name].properties = a.analyzeSymbols(inner, type.getProperties());
    }
    return name;
  };

  /** A union the analyzer refuses: string literals become an enum (named after their alias) or a string; the rest `Any`. */
  const unionProperty = (type: ts.UnionType, location: ts.Node): Property => {
    const members = type.types.filter((t) => !(t.flags & (typescript.TypeFlags.Undefined | typescript.TypeFlags.Void)));
    if (!members.every((t) => t.isStringLiteral())) return { $ref: ANY };
    const alias = type.aliasSymbol ?? writtenAlias(location);
    if (!alias) return { type: 'string' };
    const name = alias.getName();
    if (!a.typeDefinitions[name]) {
      const names = enumMemberNames(alias);
      const values = members.map((t) => (t as ts.StringLiteralType).value);
      a.typeDefinitions[name] = { name, type: 'string', enum: values.map((value) => ({ name: names.get(value) ?? pascal(value), value })) };
    }
    return { $ref: `#/types/${a.providerName}:index:${name}` };
  };

  /**
   * `authType?: FunctionUrlAuthType`, `architecture?: Input<Architecture>`: the alias as written
   * (`| undefined` made a new union without it; TypeScript 3.8, Pulumi's fallback, drops it inside `Input`).
   */
  const writtenAlias = (location: ts.Node): ts.Symbol | undefined => {
    if (!typescript.isPropertySignature(location) && !typescript.isPropertyDeclaration(location)) return undefined;
    let node = location.type;
    const wrapper = node && typescript.isTypeReferenceNode(node) ? node.typeName.getText().split('.').pop() : undefined;
    if (node && typescript.isTypeReferenceNode(node) && node.typeArguments?.length === 1 && (wrapper === 'Input' || wrapper === 'Output')) node = node.typeArguments[0];
    if (!node || !typescript.isTypeReferenceNode(node) || node.typeArguments) return undefined;
    const symbol = checker.getSymbolAtLocation(node.typeName);
    return symbol && symbol.flags & typescript.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  };

  /** `const LogLevel = { Debug: 'debug' } as const` next to the alias: its keys name the values. */
  const enumMemberNames = (alias: ts.Symbol): Map<string, string> => {
    const names = new Map<string, string>();
    const constant = alias.declarations?.find((d) => typescript.isVariableDeclaration(d));
    if (!constant) return names;
    for (const p of checker.getTypeAtLocation(constant).getProperties()) {
      const value = checker.getTypeOfSymbolAtLocation(p, constant);
      if (value.isStringLiteral()) names.set(value.value, p.getName());
    }
    return names;
  };
}

function pascal(text: string): string {
  const word = text.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  return word.charAt(0).toUpperCase() + word.slice(1);
}
