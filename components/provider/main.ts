/**
 * The plugin's entry (PulumiPlugin.yaml's `main`, built to lib/components/provider/main.js): serves
 * modelgate's components to Pulumi programs in Python, Go, C#, Java and YAML over Pulumi's provider
 * protocol — it prints the port of its gRPC server, and the engine connects to it (GetSchema,
 * Construct). It exports nothing, so Pulumi's plugin runner does not host the classes itself.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as pulumi from '@pulumi/pulumi';
import { ModelgateProvider, PACKAGE_NAME } from './provider.js';

/** The package's directory: the nearest package.json up from this file (components/provider/ or lib/components/provider/). */
function packageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`modelgate: no package.json above ${from}`);
  }
}

const provider = new ModelgateProvider(packageRoot(dirname(fileURLToPath(import.meta.url))));
// A Gateway passed to a Backend, Policy or Route arrives as a resource reference; the SDK resolves it here.
pulumi.runtime.registerResourceModule(PACKAGE_NAME, 'index', { version: provider.version, construct: (name, type, urn) => provider.rehydrate(name, type, urn) });
void pulumi.provider.main(provider, process.argv.slice(2));
