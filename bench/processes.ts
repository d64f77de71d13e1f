/**
 * The processes under test: the gateway as `npm start` runs it (JavaScript compiled by `npm run
 * build`), the minimal proxy compiled too (`compileStandalone`), the sandbox from source with tsx's
 * loader; always the node binary itself (not `npx`, which would put a wrapper process between us
 * and the pid whose CPU we read), pinned to a CPU with `taskset` when it exists, output to a log
 * file (a full pipe would stall the process; a file costs nothing to keep), and always stopped: on
 * success, error, SIGINT and SIGTERM.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, isStale } from '../scripts/build.mjs';
import { allowedCpus } from './proc.js';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface Child {
  name: string;
  pid: number;
  logFile: string;
  process: ChildProcess;
  /** Set once the process has exited. */
  exit?: { code: number | null; signal: NodeJS.Signals | null };
}

/** Which CPUs to pin to: the upstream and the load generator share one, gateway and proxy get the other. */
export interface Pinning {
  taskset: boolean;
  upstreamCpu?: number;
  serverCpu?: number;
}

export function choosePinning(): Pinning {
  const hasTaskset = spawnSync('sh', ['-c', 'command -v taskset'], { stdio: 'ignore' }).status === 0;
  const cpus = allowedCpus();
  if (!hasTaskset || cpus.length < 2) return { taskset: false };
  return { taskset: true, upstreamCpu: cpus[0]!, serverCpu: cpus[1]! };
}

/** Pins this process (all its threads) to a CPU; false when that failed. */
export function pinSelf(cpu: number): boolean {
  return spawnSync('taskset', ['-a', '-cp', String(cpu), String(process.pid)], { stdio: 'ignore' }).status === 0;
}

export class Processes {
  readonly dir: string;
  private readonly children: Child[] = [];
  private stopping: Promise<void> | undefined;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'reseller-gateway-bench-'));
    // Last resort when the harness exits without stopping them (an uncaught error): no orphans.
    process.on('exit', () => {
      for (const child of this.children) if (!child.exit) child.process.kill('SIGKILL');
    });
  }

  /**
   * Starts `node <script>` (relative to the repository; a `.ts` script through tsx's loader), on
   * `cpu` when pinning is possible.
   */
  start(name: string, script: string, env: Record<string, string>, pinning: Pinning, cpu: number | undefined, flags: readonly string[] = []): Child {
    const logFile = join(this.dir, `${name}.log`);
    const out = openSync(logFile, 'a');
    // BENCH_PROFILE_DIR: write a V8 CPU profile of the gateway there, for `node --cpu-prof` analysis.
    const profile = name === 'gateway' && process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
    // BENCH_GATEWAY_NODE_ARGS: extra node flags for the gateway (`--trace-gc`, heap sizes), for experiments.
    const extra = name === 'gateway' ? (process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(' ').filter(Boolean) : [];
    const loader = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
    const nodeArgs = [...flags, ...profile, ...extra, ...loader, script];
    // taskset execs the command, so the pid we get is node's own.
    const [command, args] =
      pinning.taskset && cpu !== undefined
        ? ['taskset', ['-c', String(cpu), process.execPath, ...nodeArgs]]
        : [process.execPath, nodeArgs];
    const proc = spawn(command, args, {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', out, out],
    });
    closeSync(out);
    if (proc.pid === undefined) throw new Error(`${name}: could not start ${command}`);
    const child: Child = { name, pid: proc.pid, logFile, process: proc };
    proc.on('exit', (code, signal) => {
      child.exit = { code, signal };
    });
    this.children.push(child);
    return child;
  }

  /** Waits until the child's output matches `pattern`; fails with its last lines when it exits or times out. */
  async waitFor(child: Child, pattern: RegExp, timeoutMs = 30_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = readFileSync(child.logFile, 'utf8');
      const match = pattern.exec(text);
      if (match) return match;
      if (child.exit || Date.now() > deadline) {
        const why = child.exit ? `exited (${child.exit.code ?? child.exit.signal})` : `not ready after ${timeoutMs} ms`;
        throw new Error(`${child.name} ${why}; last output:\n${tail(text, 25)}`);
      }
      await sleep(50);
    }
  }

  /** Throws when a child has died (checked between windows, so a crash is reported, not measured). */
  assertAlive(): void {
    for (const child of this.children) {
      if (child.exit) throw new Error(`${child.name} exited (${child.exit.code ?? child.exit.signal}); last output:\n${tail(readFileSync(child.logFile, 'utf8'), 25)}`);
    }
  }

  /** SIGTERM, then SIGKILL after 2 s. Idempotent. */
  stopAll(): Promise<void> {
    this.stopping ??= Promise.all(
      this.children.map(async (child) => {
        if (child.exit) return;
        const exited = new Promise<void>((resolve) => child.process.once('exit', () => resolve()));
        child.process.kill('SIGTERM');
        const timer = setTimeout(() => child.process.kill('SIGKILL'), 2_000);
        await exited;
        clearTimeout(timer);
      }),
    ).then(() => undefined);
    return this.stopping;
  }

  removeDir(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A callers file with one `bench` caller (admin on every account and server) and its token. The
 * gateway gets the file through GATEWAY_CALLERS_FILE and every request carries the token, so the
 * harness measures authenticated requests as soon as the gateway checks them.
 */
export function createCallersFile(dir: string): { file: string; token: string } {
  // Same shape as `npm run token` makes: `rgw_` + 32 random bytes in base64url.
  const token = `rgw_${randomBytes(32).toString('base64url')}`;
  const tokenSha256 = createHash('sha256').update(token, 'utf8').digest('hex');
  const file = join(dir, 'callers.json');
  const callers = { callers: [{ name: 'bench', tokenSha256, roles: ['admin'], wixAccounts: ['*'], pleskServers: ['*'] }] };
  writeFileSync(file, `${JSON.stringify(callers, null, 2)}\n`, { mode: 0o600 });
  return { file, token };
}

/**
 * The node flags and script of `npm start` (`node <flags> <script>` in package.json), so that the
 * gateway is measured exactly as it is run.
 */
export function gatewayStartCommand(): { flags: string[]; script: string } {
  const scripts = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const words = (scripts['start'] ?? '').trim().split(/\s+/);
  const script = words.at(-1);
  if (words[0] !== 'node' || !script?.endsWith('.js')) throw new Error(`npm start is not "node <flags> <script>.js": ${scripts['start']}`);
  return { flags: words.slice(1, -1), script };
}

/**
 * Compiles a one-file TypeScript script (no relative imports) to `bench/.build/<name>.js` and returns
 * that path, relative to the repository; packages still resolve from its node_modules. The proxies
 * run as plain node, as the gateway does: under tsx's loader a process keeps a second V8 isolate
 * (its loader thread) for its whole life, about 20 MB of RSS (83 MB idle against 62) that neither a
 * deployed proxy nor the gateway carries.
 */
export async function compileStandalone(script: string): Promise<string> {
  const { default: ts } = await import('typescript');
  const source = readFileSync(join(REPO_ROOT, script), 'utf8');
  if (/from\s+['"]\./.test(source)) throw new Error(`${script} imports a relative module; compileStandalone takes one-file scripts`);
  const { outputText, diagnostics } = ts.transpileModule(source, {
    fileName: script,
    reportDiagnostics: true,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true },
  });
  if (diagnostics?.length) throw new Error(`${script}: ${ts.flattenDiagnosticMessageText(diagnostics[0]!.messageText, '\n')}`);
  const out = join('bench', '.build', basename(script).replace(/\.ts$/, '.js'));
  mkdirSync(join(REPO_ROOT, 'bench', '.build'), { recursive: true });
  writeFileSync(join(REPO_ROOT, out), outputText);
  return out;
}

/** What `npm start` does first (scripts/build.mjs --if-stale): the gateway is measured as it runs, compiled. */
export function buildGateway(): void {
  if (isStale(REPO_ROOT) && build(REPO_ROOT) !== 0) throw new Error('npm run build failed (its output is above)');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).map((line) => `  | ${line}`).join('\n');
}
