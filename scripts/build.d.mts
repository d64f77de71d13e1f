/** Types of scripts/build.mjs (plain JavaScript: it runs before anything is compiled). */
export function isStale(root: string): boolean;
export function build(root: string): number;
