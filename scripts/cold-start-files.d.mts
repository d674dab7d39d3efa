/** Path (relative to `dist`) -> file text, for the handler and the chunks it imports statically. */
export function coldStartFiles(dist: string, entry?: string): Map<string, string>;
export function coldStartBytes(dist: string, entry?: string): number;
