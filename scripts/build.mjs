/**
 * `npm run build`: compiles src/ into dist/ with tsc, from an empty dist/ (a deleted source leaves
 * no stale output behind). With `--if-stale`, what `npm start` runs first, it does nothing when the
 * last good build is newer than every source and config file: a second `npm start` starts at once
 * instead of compiling again. Plain JavaScript, so that it runs before anything is compiled.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Written after a build tsc finished without errors; its age is the build's. */
const STAMP = join('dist', '.built');
const CONFIGS = ['package.json', 'tsconfig.json', 'tsconfig.build.json'];

function mtime(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Whether `root`'s dist/ lacks a good build, or is older than a source or config file. */
export function isStale(root) {
  const built = mtime(join(root, STAMP));
  if (built === undefined) return true;
  const sources = readdirSync(join(root, 'src'), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
  return [...CONFIGS.map((file) => join(root, file)), ...sources].some((file) => (mtime(file) ?? Infinity) >= built);
}

/** Compiles `root`'s src/ into a fresh dist/; the exit status of tsc. */
export function build(root) {
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const run = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  if (run.status !== 0) return run.status ?? 1;
  writeFileSync(join(root, STAMP), `${new Date().toISOString()}\n`);
  return 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const onlyIfStale = process.argv.includes('--if-stale');
  process.exitCode = onlyIfStale && !isStale(root) ? 0 : build(root);
}
