/** Builds `<dir>/sdk-clients.mjs`: the AWS SDK clients the handler needs, alone, with the handler's esbuild settings. */
export function buildSdkBaseline(dir: string): Promise<{ file: string; bytes: number }>;
