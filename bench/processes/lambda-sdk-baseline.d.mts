/** Builds `<dir>/sdk-clients.mjs`: the AWS SDK clients the handler needs, alone, with the handler's esbuild settings. */
export function buildSdkBaseline(dir: string): Promise<{ file: string; bytes: number }>;
/** Builds `<dir>/sdk-clients-init.mjs`: the same clients, constructed as the handler constructs them, the first config Query sent at import. */
export function buildSdkInitBaseline(dir: string): Promise<{ file: string; bytes: number }>;
