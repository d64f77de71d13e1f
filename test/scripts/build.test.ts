import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isStale } from '../../scripts/build.mjs';

/** `npm start` compiles first only when it must (scripts/build.mjs --if-stale). */
describe('isStale', () => {
  let root: string;
  const at = (file: string, seconds: number) => {
    const path = join(root, file);
    writeFileSync(path, '');
    utimesSync(path, seconds, seconds);
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'rgw-build-'));
    mkdirSync(join(root, 'src', 'schema'), { recursive: true });
    mkdirSync(join(root, 'dist'));
    for (const file of ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'src/main.ts', 'src/schema/package.ts']) at(file, 1_000);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('is stale without a good build (no stamp, as after a failed tsc)', () => {
    at('dist/main.js', 2_000);
    expect(isStale(root)).toBe(true);
  });

  it('is fresh when the build is newer than every source and config file', () => {
    at('dist/.built', 2_000);
    expect(isStale(root)).toBe(false);
  });

  it('is stale when a source, however deep, or a config file changed since', () => {
    at('dist/.built', 2_000);
    at('src/schema/package.ts', 3_000);
    expect(isStale(root)).toBe(true);
    at('src/schema/package.ts', 1_000);
    at('tsconfig.build.json', 3_000);
    expect(isStale(root)).toBe(true);
    at('tsconfig.build.json', 1_000);
    at('src/new-file.ts', 3_000);
    expect(isStale(root)).toBe(true);
  });
});
