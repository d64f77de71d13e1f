/**
 * One load window: autocannon on loopback against one target, every response checked, and around it
 * the readings that make the numbers: CPU ticks of the target and of the upstream, sampled RSS, and
 * the upstream's request log.
 *
 * Measured windows run a fixed number of requests (autocannon `amount`), not a duration: a run cut
 * short by time abandons the requests in flight, whose CPU the target still spends (and whose
 * upstream calls the sandbox still logs) without them being counted.
 */
import autocannon from 'autocannon';
import { clockTicksPerSecond, cpuTicks, sampleRss } from './proc.js';
import { sleep } from './processes.js';
import type { UpstreamControl } from './upstreams.js';
import type { Step, Workload } from './variants.js';

export interface DriveSpec {
  url: string;
  workload: Workload;
  connections: number;
  /** Requests to complete; when absent, runs for `seconds` (warm-ups). */
  requests?: number;
  seconds?: number;
  /** Safety net: stops the run after this long (the window is then marked truncated). */
  maxSeconds: number;
}

export interface DriveResult {
  /** Responses received. */
  requests: number;
  elapsedS: number;
  /** Response times in ms, ascending. */
  latenciesMs: Float64Array;
  /** Wrong answers plus transport errors (connection errors, timeouts). */
  errors: number;
  errorSamples: string[];
  truncated: boolean;
}

/** Runs autocannon; resolves when every request is answered (or the time is up). */
export function drive(spec: DriveSpec): Promise<DriveResult> {
  const latencies: number[] = [];
  const errorSamples: string[] = [];
  let problems = 0;
  const note = (problem: string | undefined): void => {
    if (problem === undefined) return;
    problems++;
    if (errorSamples.length < 3) errorSamples.push(problem);
  };

  const { steps } = spec.workload;
  const requests: autocannon.Request[] =
    typeof steps === 'function'
      ? [
          {
            // A fresh step per request; its check travels in the connection's context to its response.
            setupRequest: (request, context) => {
              const step = steps();
              context['check'] = step.check;
              return { ...request, method: step.method, path: step.path, headers: step.headers, body: step.body ?? '' };
            },
            onResponse: (status, body, context) => note((context['check'] as Step['check'])(status, body)),
          },
        ]
      : steps.map((step) => ({
          method: step.method,
          path: step.path,
          headers: step.headers,
          ...(step.body !== undefined ? { body: step.body } : {}),
          onResponse: (status: number, body: string) => note(step.check(status, body)),
        }));

  return new Promise((resolve, reject) => {
    const started = performance.now();
    let truncated = false;
    const instance = autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        ...(spec.requests !== undefined ? { amount: spec.requests } : { duration: spec.seconds ?? 1 }),
        // The run can only end on a sample tick: keep the idle tail short.
        sampleInt: 20,
        timeout: 30,
        requests,
      },
      (error, result) => {
        clearTimeout(safety);
        if (error) return reject(error);
        const elapsedS = (performance.now() - started) / 1000;
        resolve({
          requests: latencies.length,
          elapsedS,
          latenciesMs: Float64Array.from(latencies).sort(),
          errors: problems + result.errors,
          errorSamples: result.errors > 0 ? [...errorSamples, `${result.errors} transport errors (${result.timeouts} timeouts)`] : errorSamples,
          truncated,
        });
      },
    );
    instance.on('response', (_client, _status, _bytes, responseTimeMs) => {
      latencies.push(responseTimeMs);
    });
    const safety = setTimeout(() => {
      truncated = true;
      instance.stop();
    }, spec.maxSeconds * 1000);
  });
}

export interface Meter {
  /** The process serving the target: sandbox, proxy or gateway. */
  targetPid: number;
  upstreamPid: number;
  upstream: UpstreamControl;
}

export interface WindowResult {
  connections: number;
  requests: number;
  ops: number;
  elapsedS: number;
  opsPerS: number;
  /** Latency of one HTTP request (for direct/proxy one of an operation's requests). */
  p50Ms: number;
  p99Ms: number;
  /** utime + stime ticks the target spent in the window. */
  cpuTicks: number;
  cpuUsPerOp: number;
  upstreamCpuUsPerOp: number;
  rssPeakMb: number;
  upstreamCalls: number;
  upstreamCallsPerOp: number;
  /** Upstream calls per operation by route (`GET /resellers/v1/packages/{id}`). */
  upstreamRoutesPerOp: Record<string, number>;
  errors: number;
  errorSamples: string[];
  truncated: boolean;
}

/** A measured window: clean request log, CPU before and after, RSS sampled throughout. */
export async function measure(spec: DriveSpec, meter: Meter): Promise<WindowResult> {
  await meter.upstream.clearLog();
  const tick = 1e6 / clockTicksPerSecond();
  const target0 = cpuTicks(meter.targetPid);
  const upstream0 = cpuTicks(meter.upstreamPid);
  const rss = sampleRss(meter.targetPid);
  const run = await drive(spec);
  const targetTicks = cpuTicks(meter.targetPid) - target0;
  const upstreamTicks = cpuTicks(meter.upstreamPid) - upstream0;
  const rssPeakKb = rss.stop();
  if (run.truncated) await drain(meter);
  const log = await meter.upstream.countCalls();

  const ops = run.requests / spec.workload.requestsPerOp;
  const errorSamples = [...run.errorSamples];
  if (log.failed > 0) errorSamples.push(`${log.failed} upstream calls failed`);
  if (log.repeated > 0) errorSamples.push(`${log.repeated} upstream writes repeated an earlier one`);
  return {
    connections: spec.connections,
    requests: run.requests,
    ops,
    elapsedS: run.elapsedS,
    opsPerS: ops / run.elapsedS,
    p50Ms: percentile(run.latenciesMs, 0.5),
    p99Ms: percentile(run.latenciesMs, 0.99),
    cpuTicks: targetTicks,
    cpuUsPerOp: ops > 0 ? (targetTicks * tick) / ops : Number.NaN,
    upstreamCpuUsPerOp: ops > 0 ? (upstreamTicks * tick) / ops : Number.NaN,
    rssPeakMb: rssPeakKb / 1024,
    upstreamCalls: log.calls,
    upstreamCallsPerOp: ops > 0 ? log.calls / ops : Number.NaN,
    upstreamRoutesPerOp: Object.fromEntries(Object.entries(log.byRoute).map(([route, calls]) => [route, ops > 0 ? calls / ops : Number.NaN])),
    errors: run.errors + log.failed + log.repeated,
    errorSamples,
    truncated: run.truncated,
  };
}

/** Waits until the process has stopped burning CPU (work left over from abandoned requests). */
export async function settle(pid: number, maxMs = 3_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  let last = cpuTicks(pid);
  while (Date.now() < deadline) {
    await sleep(60);
    const now = cpuTicks(pid);
    if (now === last) return;
    last = now;
  }
}

/**
 * Waits until work left from abandoned requests is done: the target and the upstream have stopped
 * burning CPU and the upstream logs no new call. A target waiting for a busy upstream looks idle by
 * its CPU alone, and the calls it makes once answered would count in the next window.
 */
export async function drain(meter: Meter, maxMs = 10_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  // Read before the first wait, so that one quiet wait with no new call is enough.
  let calls = (await meter.upstream.countCalls()).calls;
  while (Date.now() < deadline) {
    await settle(meter.targetPid);
    await settle(meter.upstreamPid);
    await sleep(50);
    const now = (await meter.upstream.countCalls()).calls;
    if (now === calls) return;
    calls = now;
  }
}

/** Nearest-rank percentile of ascending values. */
export function percentile(sorted: Float64Array | readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[rank]!;
}
