/**
 * `npm run bench` (tsx bench/run.ts): the gateway's cost against its floors. See bench/README.md.
 *
 *   --quick            two short rounds, under a minute (a smoke run; numbers are rough)
 *   --only <list>      comma-separated operations (package, ids-N and idlist-N for N = 1, 10, 100,
 *                      1000, ids, idlist, list, cancel, plesk), targets (direct, proxy, gateway) or
 *                      target:operation
 *   --rounds N         rounds over every variant (default 3)
 *   --duration S       seconds of a saturated window (default 1.5); 1-connection windows take half
 *   --connections N    connections at saturation (default 16)
 *   --keep             keep the temporary directory (process logs, callers file)
 *
 * Order of events: start the sandbox, the gateway and a proxy per upstream (pinned to two CPUs),
 * create the packages the variants need, warm every variant up, then per round run every variant
 * (order rotated between rounds) at 1 connection and at saturation, and report medians and ranges.
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { WIX_DEMO } from '../src/sandbox/wix/index.js';
import { measureEngineFloorApart } from './engine.js';
import { drain, drive, measure, type DriveSpec, type Meter } from './load.js';
import { clockTicksPerSecond, memory } from './proc.js';
import { buildGateway, choosePinning, compileStandalone, gatewayStartCommand, createCallersFile, pinSelf, Processes, REPO_ROOT, type Child } from './processes.js';
import { addEngineFloor, addRatios, checkTargets, costCurve, formatCurves, formatResults, formatTargets, recordJson, summarise, writeJson, type Summary, type VariantRecord } from './report.js';
import { gatewayUpstreamEnv, parseSandboxBanner, PleskSandboxControl, SANDBOX_READY, WixSandboxControl, type UpstreamControl, type UpstreamName } from './upstreams.js';
import { CURVE_SHAPES, IdPool, operations, TARGETS, type Operation, type Target, type World } from './variants.js';

interface Plan {
  quick: boolean;
  rounds: number;
  /** Seconds of a saturated window; 1-connection windows take half. */
  satSeconds: number;
  oneSeconds: number;
  warmSeconds: number;
  connections: number;
  /** Operations per window for variants that use up packages (cancel), so the pool stays small. */
  consumeCap: { one: number; sat: number; warmOne: number; warmSat: number };
  only: string[];
  keep: boolean;
}

const USAGE = 'usage: tsx bench/run.ts [--quick] [--only <list>] [--rounds N] [--duration S] [--connections N] [--keep]';

function parsePlan(argv: string[]): Plan {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string', multiple: true },
      rounds: { type: 'string' },
      duration: { type: 'string' },
      connections: { type: 'string' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const positive = (name: string, value: string | undefined, fallback: number, integer: boolean): number => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new Error(`--${name} must be a positive ${integer ? 'integer' : 'number'}\n${USAGE}`);
    return n;
  };
  const quick = values.quick ?? false;
  const satSeconds = positive('duration', values.duration, quick ? 0.3 : 1.5, false);
  return {
    quick,
    rounds: positive('rounds', values.rounds, quick ? 2 : 3, true),
    satSeconds,
    oneSeconds: satSeconds / 2,
    warmSeconds: quick ? 0.15 : 1,
    connections: positive('connections', values.connections, 16, true),
    consumeCap: quick ? { one: 60, sat: 200, warmOne: 10, warmSat: 60 } : { one: 200, sat: 800, warmOne: 50, warmSat: 300 },
    only: (values.only ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean),
    keep: values.keep ?? false,
  };
}

interface Variant {
  operation: Operation;
  target: Target;
}

/** A started gateway or proxy. */
interface Server {
  child: Child;
  url: string;
}

function selectVariants(only: string[]): Variant[] {
  // An operation with a floorOf shares that operation's direct and proxy rows: the gateway only.
  const all = operations().flatMap((operation) => TARGETS.filter((target) => !operation.floorOf || target === 'gateway').map((target) => ({ operation, target })));
  if (only.length === 0) return all;
  const matches = (v: Variant, word: string): boolean => {
    const [a, b] = word.split(':');
    const op = (w: string): boolean => v.operation.key === w || ((w === 'ids' || w === 'idlist') && v.operation.key.startsWith(`${w}-`));
    if (b !== undefined) return v.target === a && op(b);
    return v.target === a || op(a!);
  };
  const chosen = all.filter((v) => only.some((word) => matches(v, word)));
  if (chosen.length === 0) throw new Error(`--only ${only.join(',')} matches no variant; operations: ${operations().map((o) => o.key).join(', ')}, ids, idlist; targets: ${TARGETS.join(', ')}`);
  return chosen;
}

/**
 * The gateway's default request limits admit 100 aliased look-ups and 100 ids in a list; the
 * 1000-id documents of the cost curve need more. Only the thresholds move: the checks still run on
 * every request.
 */
const LIMITS_FOR_1000_IDS = {
  GATEWAY_MAX_ALIASES: '1000',
  GATEWAY_MAX_LOOKUP_IDS: '1000',
  GATEWAY_MAX_TOKENS: '50000',
  GATEWAY_MAX_COST: '100000',
  GATEWAY_MAX_BODY_BYTES: String(1024 * 1024),
};

const say = (text: string): void => void process.stdout.write(`${text}\n`);

async function main(processes: Processes, plan: Plan): Promise<number> {
  const startedAt = new Date();
  const loadavgAtStart = loadavg();
  const variants = selectVariants(plan.only);
  const needs = (target: Target): boolean => variants.some((v) => v.target === target);
  const proxied = (upstream: UpstreamName): boolean => variants.some((v) => v.target === 'proxy' && v.operation.upstream === upstream);
  const usesUpstream = (upstream: UpstreamName): boolean => variants.some((v) => v.operation.upstream === upstream);

  // --- processes ------------------------------------------------------------------------------
  say(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} on ${availableParallelism()} CPUs${plan.quick ? '; --quick: rough numbers' : ''}`);
  const pinning = choosePinning();
  if (pinning.taskset && !pinSelf(pinning.upstreamCpu!)) pinning.taskset = false;
  say(
    pinning.taskset
      ? `pinning: sandbox + load generator on CPU ${pinning.upstreamCpu}, gateway / proxy on CPU ${pinning.serverCpu}`
      : 'pinning: none (no taskset or a single CPU); CPU per request is still per process',
  );
  const { file: callersFile, token } = createCallersFile(processes.dir);
  const sandboxKey = `bench-${crypto.randomUUID()}`;
  const sandbox = processes.start('sandbox', 'src/sandbox/main.ts', { SANDBOX_WIX_PORT: '0', SANDBOX_WIX_API_KEY: sandboxKey }, pinning, pinning.upstreamCpu);
  // The banner is one write, so once its Wix block is there the Plesk block (when any) is too.
  const banner = await processes.waitFor(sandbox, SANDBOX_READY);
  const info = parseSandboxBanner(banner.input, sandboxKey);
  if (usesUpstream('plesk') && !info.plesk) throw new Error('the sandbox printed no Plesk URL and key');

  let gateway: Server | undefined;
  // One proxy per upstream: each swaps the caller's token for its upstream's credential.
  const proxies: Partial<Record<UpstreamName, Server>> = {};
  const starting: Promise<void>[] = [];
  if (needs('gateway')) {
    // Built and started as `npm start` does: the same flags, the compiled script.
    buildGateway();
    const start = gatewayStartCommand();
    const child = processes.start(
      'gateway',
      start.script,
      {
        ...gatewayUpstreamEnv(info),
        PORT: '0',
        HOST: '127.0.0.1',
        NODE_ENV: 'production',
        LOG_LEVEL: 'info',
        GATEWAY_CALLERS_FILE: callersFile,
        AUDIT_DB: join(processes.dir, 'audit.sqlite'),
        // A live key means Wix's 200 calls/minute on the gateway's side, and a share of 100 for
        // each caller; the sandbox has no such limit, and a throttled gateway would measure the
        // limiter, not the gateway.
        WIX_RATE_LIMIT_PER_MINUTE: '0',
        WIX_RATE_LIMIT_PER_CALLER_PER_MINUTE: '0',
        ...LIMITS_FOR_1000_IDS,
      },
      pinning,
      pinning.serverCpu,
      start.flags,
    );
    starting.push(processes.waitFor(child, /listening on (http:\/\/127\.0\.0\.1:\d+)/).then((m) => void (gateway = { child, url: m[1]! })));
  }
  const proxyEnv: Record<UpstreamName, Record<string, string>> = {
    wix: { PROXY_UPSTREAM_URL: info.wix.url, PROXY_UPSTREAM_KEY: sandboxKey },
    plesk: { PROXY_UPSTREAM_URL: info.plesk?.url ?? '', PROXY_UPSTREAM_KEY: info.plesk?.secretKey ?? '', PROXY_UPSTREAM_KEY_HEADER: 'KEY' },
  };
  const proxyScript = proxied('wix') || proxied('plesk') ? await compileStandalone('bench/proxy.ts') : '';
  for (const upstream of ['wix', 'plesk'] as const) {
    if (!proxied(upstream)) continue;
    const child = processes.start(upstream === 'wix' ? 'proxy' : `proxy-${upstream}`, proxyScript, { ...proxyEnv[upstream], PORT: '0' }, pinning, pinning.serverCpu);
    starting.push(processes.waitFor(child, /proxy listening on (http:\/\/127\.0\.0\.1:\d+)/).then((m) => void (proxies[upstream] = { child, url: m[1]! })));
  }
  await Promise.all(starting);
  const started = [
    `sandbox ${info.wix.url}${info.plesk ? ` + ${info.plesk.url}` : ''} (pid ${sandbox.pid})`,
    ...(gateway ? [`gateway ${gateway.url} (pid ${gateway.child.pid})`] : []),
    ...Object.entries(proxies).map(([upstream, proxy]) => `${upstream} proxy ${proxy.url} (pid ${proxy.child.pid})`),
  ];
  say(started.join(', '));

  // --- data -----------------------------------------------------------------------------------
  const wix = new WixSandboxControl(info.wix.url, sandboxKey);
  const plesk = info.plesk ? new PleskSandboxControl(info.plesk.url, info.plesk.secretKey) : undefined;
  const consumers = variants.filter((v) => v.operation.consumes).length;
  const cap = plan.consumeCap;
  // Every package a consuming variant may cancel, with room for autocannon's spread over connections.
  const poolSize = consumers * (cap.warmOne + cap.warmSat + plan.rounds * (cap.one + cap.sat) + 4 * plan.connections);
  // The Plesk look-up reads the sandbox's demo data; only Wix variants need packages.
  let readIds: string[] = [];
  let cancelIds: string[] = [];
  if (usesUpstream('wix')) {
    const seeding = performance.now();
    [readIds, cancelIds] = await Promise.all([
      wix.createPackages(WIX_DEMO.accountId, 1000),
      wix.createPackages(WIX_DEMO.foreignResellerAccountId, poolSize),
    ]);
    say(`created ${readIds.length} packages to read and ${cancelIds.length} to cancel in ${((performance.now() - seeding) / 1000).toFixed(1)} s`);
  }
  // Each server's footprint before its first request: what its peak under load is measured against.
  const servers = [gateway, proxies.wix, proxies.plesk].filter((server): server is Server => server !== undefined);
  const megabytes = (read: (pid: number) => number): Record<string, number> =>
    Object.fromEntries(servers.map((server) => [server.child.name, read(server.child.pid) / 1024]));
  const listMb = (values: Record<string, number>): string => Object.entries(values).map(([name, mb]) => `${name} ${mb.toFixed(0)} MB`).join(', ');
  const atStart = megabytes((pid) => memory(pid).rssKb);
  const world: World = {
    sandbox: info,
    token,
    accountId: WIX_DEMO.accountId,
    readIds,
    cancelAccountId: WIX_DEMO.foreignResellerAccountId,
    cancelPool: new IdPool(cancelIds),
  };

  const saturation = (operation: Operation): number => Math.min(plan.connections, operation.maxConnections ?? plan.connections);
  // The process serving a variant: the sandbox (direct), its upstream's proxy, or the gateway.
  const serverOf = (target: Exclude<Target, 'direct'>, operation: Operation): Server => {
    const server = target === 'gateway' ? gateway : proxies[operation.upstream];
    if (!server) throw new Error(`no ${target} for the ${operation.upstream} upstream`);
    return server;
  };
  const urlOf = (target: Target, operation: Operation): string =>
    target !== 'direct' ? serverOf(target, operation).url : operation.upstream === 'plesk' ? info.plesk!.url : info.wix.url;
  // The request log of each upstream: a variant's calls are counted in its upstream's.
  const controls: Partial<Record<UpstreamName, UpstreamControl>> = { wix, ...(plesk ? { plesk } : {}) };
  const meterOf = (target: Target, operation: Operation): Meter => {
    const upstream = controls[operation.upstream];
    if (!upstream) throw new Error(`no request log for the ${operation.upstream} upstream`);
    return { targetPid: target === 'direct' ? sandbox.pid : serverOf(target, operation).child.pid, upstreamPid: sandbox.pid, upstream };
  };

  // --- warm-up: JIT, pools, and a first estimate of each variant's rate ----------------------------
  const records: VariantRecord[] = [];
  const rates = new Map<VariantRecord, { one: number; sat: number }>();
  const warming = performance.now();
  process.stdout.write(`warm-up (${variants.length} variants) `);
  for (const variant of variants) {
    const workload = variant.operation.workload(variant.target, world);
    const spec = (connections: number, seconds: number, consumeOps: number): DriveSpec =>
      variant.operation.consumes
        ? { url: urlOf(variant.target, variant.operation), workload, connections, requests: Math.max(connections, consumeOps * workload.requestsPerOp), maxSeconds: 10 }
        : { url: urlOf(variant.target, variant.operation), workload, connections, seconds, maxSeconds: seconds + 10 };
    const meter = meterOf(variant.target, variant.operation);
    await meter.upstream.clearLog();
    const one = await drive(spec(1, Math.max(0.05, plan.warmSeconds / 4), cap.warmOne));
    const sat = await drive(spec(saturation(variant.operation), plan.warmSeconds, cap.warmSat));
    // A run cut by time leaves requests in flight; let the target finish them before the next one.
    await drain(meter);
    const record: VariantRecord = {
      operation: variant.operation,
      target: variant.target,
      warmup: {
        opsPerS1: one.requests / workload.requestsPerOp / one.elapsedS,
        opsPerSSat: sat.requests / workload.requestsPerOp / sat.elapsedS,
        errors: one.errors + sat.errors,
      },
      rounds: [],
    };
    if (record.warmup.errors > 0) say(`\n  ${variant.target} ${variant.operation.label}: warm-up errors: ${[...one.errorSamples, ...sat.errorSamples].join('; ')}`);
    records.push(record);
    rates.set(record, { one: record.warmup.opsPerS1, sat: record.warmup.opsPerSSat });
    process.stdout.write('.');
  }
  say(` ${((performance.now() - warming) / 1000).toFixed(1)} s`);
  // The warm-up's calls are of no interest; the sandbox need not keep them.
  for (const control of Object.values(controls)) await control?.clearLog();

  // --- rounds ---------------------------------------------------------------------------------
  for (let round = 0; round < plan.rounds; round++) {
    const roundStarted = performance.now();
    process.stdout.write(`round ${round + 1}/${plan.rounds} `);
    // Rotate the order so no variant always follows the same one (GC debt, warm caches).
    const shift = Math.floor((round * records.length) / plan.rounds);
    const order = [...records.slice(shift), ...records.slice(0, shift)];
    for (const record of order) {
      processes.assertAlive();
      const workload = record.operation.workload(record.target, world);
      const rate = rates.get(record)!;
      const window = (connections: number, seconds: number, opsPerS: number, capOps: number): DriveSpec => {
        let ops = Math.max(3, Math.round(opsPerS * seconds));
        if (record.operation.consumes) ops = Math.min(ops, capOps, world.cancelPool.remaining - 2 * connections);
        return {
          url: urlOf(record.target, record.operation),
          workload,
          connections,
          requests: Math.max(connections, Math.round(ops * workload.requestsPerOp)),
          // Rate estimates can be off (a busy neighbour during warm-up): never let a window run away.
          maxSeconds: 4 * seconds + 5,
        };
      };
      const meter = meterOf(record.target, record.operation);
      const oneConnection = await measure(window(1, plan.oneSeconds, rate.one, cap.one), meter);
      const saturated = await measure(window(saturation(record.operation), plan.satSeconds, rate.sat, cap.sat), meter);
      record.rounds.push({ round: round + 1, oneConnection, saturated });
      rates.set(record, { one: oneConnection.opsPerS, sat: saturated.opsPerS });
      const errors = oneConnection.errors + saturated.errors;
      if (errors > 0) say(`\n  ${record.target} ${record.operation.label}: ${errors} errors: ${[...oneConnection.errorSamples, ...saturated.errorSamples].join('; ')}`);
      process.stdout.write('.');
    }
    say(` ${((performance.now() - roundStarted) / 1000).toFixed(1)} s`);
  }

  // --- report ---------------------------------------------------------------------------------
  const summaries = new Map<VariantRecord, Summary>(records.map((r) => [r, summarise(r)]));
  addRatios(records, summaries);
  // Group rows by operation (direct, proxy, gateway under each), in the operations' order.
  const opOrder = operations().map((o) => o.key);
  records.sort((a, b) => opOrder.indexOf(a.operation.key) - opOrder.indexOf(b.operation.key) || TARGETS.indexOf(a.target) - TARGETS.indexOf(b.target));
  const peaks: Record<string, number> = { sandbox: memory(sandbox.pid).hwmKb / 1024, ...megabytes((pid) => memory(pid).hwmKb) };
  const curves = CURVE_SHAPES.flatMap((shape) => costCurve(records, summaries, shape) ?? []);
  // The engine floor last, when nothing else runs: graphql-js alone on the same documents.
  if (curves.length > 0) {
    const floors = await measureEngineFloorApart(processes, pinning, plan.quick, curves.map((c) => c.shape));
    for (const curve of curves) addEngineFloor(curve, floors);
  }
  say('');
  say(formatResults(records, summaries));
  say(`peak RSS over the whole run (VmHWM): ${listMb(peaks)}`);
  say(`RSS at start, before the first request: ${listMb(atStart)}`);
  if (curves.length > 0) say(`\n${formatCurves(curves)}`);
  // Reported, not part of the exit status: a target missed, or a point of a curve not lower than the
  // one before, on a noisy machine is a reading, not a failure.
  const targets = checkTargets(curves, peaks['gateway']);
  if (targets.length > 0) say(`\n${formatTargets(targets)}`);

  const errors = [...summaries.values()].reduce((sum, s) => sum + s.errors, 0);
  const finishedAt = new Date();
  const file = writeJson(join(REPO_ROOT, 'bench', 'results'), startedAt, {
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    plan,
    machine: {
      node: process.version,
      cpus: cpus().length,
      availableParallelism: availableParallelism(),
      cpuModel: cpus()[0]?.model,
      loadavgAtStart,
      loadavgAtEnd: loadavg(),
      clockTicksPerSecond: clockTicksPerSecond(),
      pinning,
    },
    peakRssMb: peaks,
    rssAtStartMb: atStart,
    targets,
    variants: records.map((r) => recordJson(r, summaries.get(r)!)),
    curves,
    errors,
  });
  say(`\n${errors === 0 ? 'no errors' : `${errors} ERRORS`}; ${((finishedAt.getTime() - startedAt.getTime()) / 1000).toFixed(0)} s; results in ${file}`);
  await Promise.all([wix.close(), plesk?.close()]);
  return errors === 0 && curves.every((curve) => curve.callsOk) ? 0 : 1;
}

// --- lifecycle: the processes are stopped whatever happens ------------------------------------------

const processes = new Processes();
let plan: Plan;
try {
  plan = parsePlan(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  processes.removeDir();
  process.exit(2);
}

let interrupted = false;
const onSignal = (signal: NodeJS.Signals): void => {
  if (interrupted) return;
  interrupted = true;
  process.stderr.write(`\n${signal}: stopping the processes\n`);
  void processes.stopAll().finally(() => {
    processes.removeDir();
    process.exit(130);
  });
};
// `on`, not `once`: a second Ctrl-C must not kill the harness before its processes are stopped.
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

let code = 1;
try {
  code = await main(processes, plan);
} catch (error) {
  // Interrupted: the signal handler stops everything and exits; what fails meanwhile is its doing.
  if (interrupted) await new Promise(() => {});
  process.stderr.write(`\nbench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  if (error instanceof Error && error.stack && !error.message.includes('last output')) process.stderr.write(`${error.stack}\n`);
  plan.keep = true;
} finally {
  if (!interrupted) {
    await processes.stopAll();
    if (plan.keep) process.stderr.write(`process logs kept in ${processes.dir}\n`);
    else processes.removeDir();
  }
}
if (interrupted) await new Promise(() => {});
process.exit(code);
