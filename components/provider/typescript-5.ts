/**
 * Preloaded into the plugin process (PulumiPlugin.yaml's nodeargs, built to
 * lib/components/provider/typescript-5.js). Pulumi's plugin runner registers ts-node and loads its
 * component analyzer, both of which load `typescript` and use its compiler API; in this repo
 * `typescript` is TypeScript 7, whose package has none (its `require` is lib/version.cjs). So a
 * `require('typescript')` that lands there gets the package's `typescript-5` instead. Where
 * `typescript-5` is not installed (an installed modelgate: devDependencies are not), nothing
 * changes, and Pulumi falls back to the TypeScript it vendors when there is none.
 */
import Module, { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function resolvable(specifier: string): string | undefined {
  try {
    return require.resolve(specifier);
  } catch {
    return undefined;
  }
}

const typescript5 = resolvable('typescript-5');
if (typescript5) {
  const loader = Module as unknown as { _resolveFilename(request: string, ...rest: unknown[]): string };
  const resolve = loader._resolveFilename;
  loader._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]): string {
    const found = resolve.call(this, request, ...rest);
    return request === 'typescript' && /[\\/]typescript[\\/]lib[\\/]version\.cjs$/.test(found) ? typescript5 : found;
  };
}
