/**
 * From windows to answers: per-variant medians and ranges over the rounds, the gateway/proxy CPU
 * ratios, the cost curve of N packages by id, the printed tables and the JSON record.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WindowResult } from './load.js';
import { clockTicksPerSecond } from './proc.js';
import type { CurveShape, Operation, Target } from './variants.js';

export interface RoundWindows {
  round: number;
  oneConnection: WindowResult;
  saturated: WindowResult;
}

export interface VariantRecord {
  operation: Operation;
  target: Target;
  warmup: { opsPerS1: number; opsPerSSat: number; errors: number };
  rounds: RoundWindows[];
}

export interface Range {
  median: number;
  min: number;
  max: number;
}

export interface Summary {
  opsPerS: Range;
  oneConnection: { p50Ms: number; p99Ms: number };
  saturated: { p50Ms: number; p99Ms: number };
  /** Target CPU per operation in the saturated windows (µs). */
  cpuUsPerOp: Range;
  /** The same in the 1-connection windows: one request at a time, nothing else in flight. */
  oneConnectionCpuUsPerOp: Range;
  /** Σ ticks / Σ operations over every saturated window: steadier, but not robust to one bad round. */
  cpuUsPerOpPooled: number;
  upstreamCpuUsPerOp: number;
  /** gateway CPU per op / proxy CPU per op (medians), on gateway rows. */
  ratioToProxy?: number;
  rssPeakMb: number;
  upstreamCallsPerOp: number;
  upstreamRoutesPerOp: Record<string, number>;
  errors: number;
  errorSamples: string[];
}

export function range(values: number[]): Range {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN };
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)! };
}

export function summarise(record: VariantRecord): Summary {
  const sat = record.rounds.map((r) => r.saturated);
  const one = record.rounds.map((r) => r.oneConnection);
  const all = [...one, ...sat];
  const tick = 1e6 / clockTicksPerSecond();
  const satOps = sat.reduce((sum, w) => sum + w.ops, 0);
  const allOps = all.reduce((sum, w) => sum + w.ops, 0);
  const errorSamples = [...new Set(all.flatMap((w) => w.errorSamples))].slice(0, 3);
  return {
    opsPerS: range(sat.map((w) => w.opsPerS)),
    oneConnection: { p50Ms: range(one.map((w) => w.p50Ms)).median, p99Ms: range(one.map((w) => w.p99Ms)).median },
    saturated: { p50Ms: range(sat.map((w) => w.p50Ms)).median, p99Ms: range(sat.map((w) => w.p99Ms)).median },
    cpuUsPerOp: range(sat.map((w) => w.cpuUsPerOp)),
    oneConnectionCpuUsPerOp: range(one.map((w) => w.cpuUsPerOp)),
    cpuUsPerOpPooled: satOps > 0 ? (sat.reduce((sum, w) => sum + w.cpuTicks, 0) * tick) / satOps : Number.NaN,
    upstreamCpuUsPerOp: range(sat.map((w) => w.upstreamCpuUsPerOp)).median,
    rssPeakMb: Math.max(0, ...all.map((w) => w.rssPeakMb)),
    upstreamCallsPerOp: allOps > 0 ? all.reduce((sum, w) => sum + w.upstreamCalls, 0) / allOps : Number.NaN,
    upstreamRoutesPerOp: routesPerOp(all, allOps),
    errors: all.reduce((sum, w) => sum + w.errors, 0) + record.warmup.errors,
    errorSamples,
  };
}

function routesPerOp(windows: WindowResult[], ops: number): Record<string, number> {
  const calls: Record<string, number> = {};
  for (const w of windows) for (const [route, perOp] of Object.entries(w.upstreamRoutesPerOp)) calls[route] = (calls[route] ?? 0) + perOp * w.ops;
  return Object.fromEntries(Object.entries(calls).map(([route, n]) => [route, ops > 0 ? n / ops : Number.NaN]));
}

/** The proxy row of an operation, or of the operation it shares its upstream calls with (floorOf). */
function proxyOf(records: VariantRecord[], operation: Operation): VariantRecord | undefined {
  const key = operation.floorOf ?? operation.key;
  return records.find((r) => r.target === 'proxy' && r.operation.key === key);
}

/** Adds the gateway/proxy ratio to every gateway summary whose operation also ran through the proxy. */
export function addRatios(records: VariantRecord[], summaries: Map<VariantRecord, Summary>): void {
  for (const record of records) {
    if (record.target !== 'gateway') continue;
    const proxy = proxyOf(records, record.operation);
    const gatewaySummary = summaries.get(record);
    const proxySummary = proxy && summaries.get(proxy);
    if (gatewaySummary && proxySummary) gatewaySummary.ratioToProxy = gatewaySummary.cpuUsPerOp.median / proxySummary.cpuUsPerOp.median;
  }
}

// ---------------------------------------------------------------------------------------------
// Cost curve

export interface CurvePoint {
  n: number;
  upstreamCallsPerOp: number;
  expectedCalls: number;
  callsOk: boolean;
  cpuUsPerOp: number;
  cpuUsPerPackage: number;
  /** Whether CPU per package is below the previous (smaller) N's; undefined for the first point. */
  falls?: boolean;
  /** CPU per package in the 1-connection windows, and whether it is below the previous N's. */
  oneConnectionCpuUsPerPackage: number;
  fallsOneConnection?: boolean;
  proxyCpuUsPerOp?: number;
  /** graphql-js alone on the same document (bench/engine.ts): the floor of a graphql-js gateway. */
  engineCpuUsPerOp?: number;
}

export interface Curve {
  shape: CurveShape;
  points: CurvePoint[];
  callsOk: boolean;
  fallsOk: boolean;
  fallsOkOneConnection: boolean;
}

/** The curve of one document shape, from the gateway rows of its operations; undefined when none ran. */
export function costCurve(records: VariantRecord[], summaries: Map<VariantRecord, Summary>, shape: CurveShape): Curve | undefined {
  const points: CurvePoint[] = [];
  const gatewayRows = records
    .filter((r) => r.target === 'gateway' && r.operation.shape === shape && r.operation.packages !== undefined)
    .sort((a, b) => a.operation.packages! - b.operation.packages!);
  for (const record of gatewayRows) {
    const summary = summaries.get(record)!;
    const n = record.operation.packages!;
    const proxy = proxyOf(records, record.operation);
    const proxySummary = proxy ? summaries.get(proxy) : undefined;
    const previous = points.at(-1);
    const cpuUsPerPackage = summary.cpuUsPerOp.median / n;
    const oneConnectionCpuUsPerPackage = summary.oneConnectionCpuUsPerOp.median / n;
    points.push({
      n,
      upstreamCallsPerOp: summary.upstreamCallsPerOp,
      expectedCalls: record.operation.expectedCalls,
      callsOk: Math.abs(summary.upstreamCallsPerOp - record.operation.expectedCalls) < 1e-9,
      cpuUsPerOp: summary.cpuUsPerOp.median,
      cpuUsPerPackage,
      ...(previous ? { falls: cpuUsPerPackage < previous.cpuUsPerPackage } : {}),
      oneConnectionCpuUsPerPackage,
      ...(previous ? { fallsOneConnection: oneConnectionCpuUsPerPackage < previous.oneConnectionCpuUsPerPackage } : {}),
      ...(proxySummary ? { proxyCpuUsPerOp: proxySummary.cpuUsPerOp.median } : {}),
    });
  }
  if (points.length === 0) return undefined;
  return {
    shape,
    points,
    callsOk: points.every((p) => p.callsOk),
    fallsOk: points.every((p) => p.falls !== false),
    fallsOkOneConnection: points.every((p) => p.fallsOneConnection !== false),
  };
}

/** Adds the engine floor measured for the same shape and N to each point. */
export function addEngineFloor(curve: Curve, floors: readonly { shape: CurveShape; packages: number; cpuUsPerOp: number }[]): void {
  for (const point of curve.points) {
    const floor = floors.find((f) => f.shape === curve.shape && f.packages === point.n);
    if (floor) point.engineCpuUsPerOp = floor.cpuUsPerOp;
  }
}

// ---------------------------------------------------------------------------------------------
// Printing

const fmt = (value: number, digits = 0): string => (Number.isFinite(value) ? value.toFixed(digits) : '–');
/** Enough significant digits for a number of any size. */
const num = (value: number): string => {
  if (!Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  return abs >= 100 ? value.toFixed(0) : abs >= 10 ? value.toFixed(1) : value.toFixed(2);
};
const rangeText = (r: Range): string => `${num(r.median)} [${num(r.min)}–${num(r.max)}]`;

function table(headers: string[], rows: string[][], alignLeft: number): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string =>
    cells.map((cell, i) => (i < alignLeft ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function formatResults(records: VariantRecord[], summaries: Map<VariantRecord, Summary>): string {
  const rows: string[][] = [];
  let lastOp: string | undefined;
  for (const record of records) {
    const s = summaries.get(record)!;
    const first = record.operation.key !== lastOp;
    lastOp = record.operation.key;
    rows.push([
      first ? record.operation.label : '',
      record.target,
      rangeText(s.opsPerS),
      `${num(s.oneConnection.p50Ms)} / ${num(s.oneConnection.p99Ms)}`,
      `${num(s.saturated.p50Ms)} / ${num(s.saturated.p99Ms)}`,
      `${rangeText(s.cpuUsPerOp)}${record.target === 'direct' ? '*' : ''}`,
      s.ratioToProxy !== undefined ? `${fmt(s.ratioToProxy, 2)}×` : '',
      fmt(s.rssPeakMb),
      fmt(s.upstreamCallsPerOp, 2),
      String(s.errors),
    ]);
  }
  const headers = ['operation', 'target', 'ops/s median [min–max]', '1 conn p50/p99 ms', 'sat p50/p99 ms', 'CPU µs/op median [min–max]', 'gw/proxy', 'RSS MB', 'calls/op', 'errors'];
  // Where the gateway makes other calls than the operation needs, say which.
  const unexpected = records
    .filter((r) => r.target === 'gateway' && Math.abs(summaries.get(r)!.upstreamCallsPerOp - r.operation.expectedCalls) > 1e-9)
    .map((r) => {
      const s = summaries.get(r)!;
      const routes = Object.entries(s.upstreamRoutesPerOp).map(([route, n]) => `${route} ×${fmt(n, 2)}`).join(', ');
      return `! gateway ${r.operation.label}: ${fmt(s.upstreamCallsPerOp, 2)} upstream calls per operation, ${r.operation.expectedCalls} needed: ${routes}`;
    });
  return [
    table(headers, rows, 2),
    '* direct: CPU of the sandbox upstream itself. ops/s, CPU and RSS at saturation; an op of direct/proxy is the',
    '  upstream call(s) the gateway makes for it (10 requests for 1000 ids); latency is per HTTP request.',
    ...unexpected,
  ].join('\n');
}

const CURVE_TITLES: Record<CurveShape, string> = {
  aliases: 'N aliased package(id) fields in one document',
  list: 'one packagesById(ids) field with N ids',
};

/** How a point names itself in the targets. */
const pointName = (shape: CurveShape, n: number): string => (shape === 'aliases' ? `${n} × package(id)` : `packagesById, ${n} ids`);

function formatCurve(curve: Curve): string {
  const rows = curve.points.map((p) => [
    String(p.n),
    `${fmt(p.upstreamCallsPerOp, 2)} ${p.callsOk ? 'ok' : `≠ ${p.expectedCalls}`}`,
    String(p.expectedCalls),
    num(p.cpuUsPerOp),
    `${num(p.cpuUsPerPackage)}${p.falls === undefined ? '' : p.falls ? ' ↓' : ' NOT lower'}`,
    `${num(p.oneConnectionCpuUsPerPackage)}${p.fallsOneConnection === undefined ? '' : p.fallsOneConnection ? ' ↓' : ' NOT lower'}`,
    p.proxyCpuUsPerOp !== undefined ? num(p.proxyCpuUsPerOp) : '–',
    p.proxyCpuUsPerOp !== undefined ? `${fmt(p.cpuUsPerOp / p.proxyCpuUsPerOp, 2)}×` : '–',
    p.engineCpuUsPerOp !== undefined ? num(p.engineCpuUsPerOp) : '–',
    p.engineCpuUsPerOp !== undefined && p.proxyCpuUsPerOp !== undefined ? `${fmt(p.engineCpuUsPerOp / p.proxyCpuUsPerOp, 2)}×` : '–',
  ]);
  const headers = ['N', 'calls/op', 'ceil(N/100)', 'gateway CPU µs/op', 'CPU µs/package', '1 conn µs/package', 'proxy CPU µs/op', 'gw/proxy', 'engine µs/op', 'engine/proxy'];
  return [
    `Cost curve: N packages by id through the gateway, ${CURVE_TITLES[curve.shape]} (saturated windows, medians)`,
    table(headers, rows, 0),
    `upstream calls = ceil(N/100): ${curve.callsOk ? 'yes' : 'NO'}; CPU per package falls as N grows: ${curve.fallsOk ? 'yes' : 'NO'} at saturation, ${curve.fallsOkOneConnection ? 'yes' : 'NO'} at 1 connection`,
  ].join('\n');
}

/** The curves, with a word on the engine columns when any point has them. */
export function formatCurves(curves: readonly Curve[]): string {
  const engine = curves.some((curve) => curve.points.some((p) => p.engineCpuUsPerOp !== undefined))
    ? [
        'engine: graphql-js execute + JSON.stringify of the same document over in-memory packages, in a process of its own',
        "  on the gateway's CPU with NODE_ENV=production (bench/engine.ts): what any graphql-js gateway spends at least,",
        '  before HTTP, upstream calls and checks.',
      ]
    : [];
  return [curves.map(formatCurve).join('\n\n'), ...engine].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Targets

/** The gateway's targets: CPU per operation against the minimal proxy's, by N, and peak RSS. */
export const TARGETS_GW_PER_PROXY: ReadonlyMap<number, number> = new Map([
  [1, 3],
  [100, 4],
  [1000, 6],
]);
export const TARGET_PEAK_RSS_MB = 150;

export interface TargetCheck {
  what: string;
  limit: string;
  measured: string;
  met: boolean;
}

/**
 * Each target this run can judge: a ratio needs both the gateway and the proxy at that N, the RSS
 * target the gateway's peak over the run (every variant's load, as the peak is process-wide).
 */
export function checkTargets(curves: readonly Curve[], gatewayPeakRssMb: number | undefined): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const curve of curves) {
    for (const point of curve.points) {
      const limit = TARGETS_GW_PER_PROXY.get(point.n);
      if (limit === undefined || point.proxyCpuUsPerOp === undefined) continue;
      const ratio = point.cpuUsPerOp / point.proxyCpuUsPerOp;
      checks.push({ what: `${pointName(curve.shape, point.n)}, gateway / proxy CPU`, limit: `≤ ${limit}×`, measured: `${fmt(ratio, 2)}×`, met: ratio <= limit });
    }
  }
  if (gatewayPeakRssMb !== undefined) {
    checks.push({ what: 'gateway peak RSS', limit: `< ${TARGET_PEAK_RSS_MB} MB`, measured: `${gatewayPeakRssMb.toFixed(0)} MB`, met: gatewayPeakRssMb < TARGET_PEAK_RSS_MB });
  }
  return checks;
}

export function formatTargets(checks: TargetCheck[]): string {
  const width = Math.max(...checks.map((c) => `${c.what} ${c.limit}`.length));
  return ['Targets', ...checks.map((c) => `  ${`${c.what} ${c.limit}`.padEnd(width)}  ${c.met ? 'yes' : 'NO '}  ${c.measured}`)].join('\n');
}

// ---------------------------------------------------------------------------------------------
// JSON

export function writeJson(dir: string, startedAt: Date, document: unknown): string {
  mkdirSync(dir, { recursive: true });
  // An ISO date without colons, which some file systems refuse.
  const file = join(dir, `${startedAt.toISOString().replace(/:/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
  return file;
}

export function recordJson(record: VariantRecord, summary: Summary): unknown {
  return {
    operation: record.operation.key,
    label: record.operation.label,
    target: record.target,
    upstream: record.operation.upstream,
    expectedUpstreamCallsPerOp: record.operation.expectedCalls,
    ...(record.operation.packages !== undefined ? { packagesPerOp: record.operation.packages } : {}),
    summary,
    warmup: record.warmup,
    rounds: record.rounds,
  };
}
