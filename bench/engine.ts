/**
 * The engine floor: what graphql-js alone spends on an operation's documents, without HTTP, an
 * upstream, authentication or the gateway's resolvers. The gateway's own schema (schema.graphql)
 * with trivial resolvers over in-memory packages, each `package(id)` answering a promise (as a
 * loader does) and `packagesById` a promise per id joined (as the loader's loadMany does),
 * executed with graphql-js's `execute` and serialized with JSON.stringify, exactly the two steps
 * the gateway runs per operation once a document is parsed and validated (cached).
 *
 * Any gateway built on graphql-js pays at least this, so it bounds what the gateway can reach
 * against the minimal proxy. Run by run.ts after the rounds, in a process of its own; alone:
 * `NODE_ENV=production tsx bench/engine.ts`.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, execute, parse, validate, type GraphQLSchema } from 'graphql';
import { REPO_ROOT, type Pinning, type Processes } from './processes.js';
import { CURVE_SHAPES, CURVE_SIZES, PACKAGES_BY_ID_LIST_DOC, packagesByIdDoc, type CurveShape } from './variants.js';

export interface EngineFloor {
  shape: CurveShape;
  packages: number;
  /** CPU µs of execute + JSON.stringify per operation (median of the batches). */
  cpuUsPerOp: number;
  /** Bytes of the serialized result, to compare with what the gateway sends. */
  resultBytes: number;
}

interface WirePackage {
  id: string;
  accountId: string;
  createdDate: string;
  productInstances: { instanceId: string; catalogProductId: string; status: string; siteId?: string }[];
}

function engineSchema(): GraphQLSchema {
  const schema = buildSchema(readFileSync(join(REPO_ROOT, 'schema.graphql'), 'utf8'));
  // Field resolvers the default resolver cannot stand in for; everything else is a property read.
  const instance = schema.getType('ProductInstance') as unknown as { getFields(): Record<string, { resolve?: (source: { siteId?: string }) => unknown }> };
  instance.getFields()['isFloating']!.resolve = (source) => source.siteId === undefined;
  return schema;
}

function packages(count: number): Map<string, WirePackage> {
  const accountId = randomUUID();
  const byId = new Map<string, WirePackage>();
  for (let k = 0; k < count; k++) {
    const id = randomUUID();
    byId.set(id, {
      id,
      accountId,
      createdDate: new Date(Date.UTC(2024, 0, 1, 0, 0, k)).toISOString(),
      productInstances: [{ instanceId: randomUUID(), catalogProductId: randomUUID(), status: 'ENABLED' }],
    });
  }
  return byId;
}

/** Median CPU per operation over batches of about `batchMs` each. */
async function measureOne(schema: GraphQLSchema, shape: CurveShape, n: number, batches: number, batchMs: number): Promise<EngineFloor> {
  const data = packages(n);
  const ids = [...data.keys()];
  const document = parse(shape === 'aliases' ? packagesByIdDoc(n) : PACKAGES_BY_ID_LIST_DOC);
  const errors = validate(schema, document);
  if (errors.length > 0) throw new Error(`engine floor: the ${n}-id document is invalid: ${errors[0]!.message}`);
  const variableValues = shape === 'aliases' ? Object.fromEntries(ids.map((id, k) => [`id${k}`, id])) : { ids };
  const load = (id: string): Promise<WirePackage | null> => Promise.resolve(data.get(id) ?? null);
  // A promise per id for the list too, as the loader's loadMany makes them.
  const rootValue = {
    package: ({ id }: { id: string }) => load(id),
    packagesById: ({ ids: asked }: { ids: string[] }) => Promise.all(asked.map(load)),
  };
  let resultBytes = 0;
  const once = async (): Promise<void> => {
    const result = await execute({ schema, document, rootValue, variableValues });
    if (result.errors?.length) throw new Error(`engine floor: ${result.errors[0]!.message}`);
    resultBytes = JSON.stringify(result).length;
  };

  // Warm-up, and a first estimate of how many operations fill a batch.
  const warmStart = performance.now();
  let warm = 0;
  while (performance.now() - warmStart < batchMs) {
    await once();
    warm++;
  }
  const perBatch = Math.max(3, warm);
  const samples: number[] = [];
  for (let b = 0; b < batches; b++) {
    const start = process.cpuUsage();
    for (let i = 0; i < perBatch; i++) await once();
    const used = process.cpuUsage(start);
    samples.push((used.user + used.system) / perBatch);
  }
  samples.sort((a, b) => a - b);
  return { shape, packages: n, cpuUsPerOp: samples[Math.floor(samples.length / 2)]!, resultBytes };
}

export async function measureEngineFloor(shapes: readonly CurveShape[], options: { batches?: number; batchMs?: number } = {}): Promise<EngineFloor[]> {
  const schema = engineSchema();
  const out: EngineFloor[] = [];
  for (const shape of shapes) {
    for (const n of CURVE_SIZES) out.push(await measureOne(schema, shape, n, options.batches ?? 5, options.batchMs ?? 300));
  }
  return out;
}

const RESULT_LINE = /^ENGINE_FLOOR (.+)$/m;

/**
 * The floor measured in a process of its own, as the gateway runs: on the gateway's CPU and with
 * NODE_ENV=production, in which graphql-js skips the checks it makes in development on every
 * type test (its `instanceOf`), about a tenth of an execution.
 */
export async function measureEngineFloorApart(processes: Processes, pinning: Pinning, quick: boolean, shapes: readonly CurveShape[]): Promise<EngineFloor[]> {
  const env = { NODE_ENV: 'production', BENCH_ENGINE_RUN: quick ? 'quick' : 'full', BENCH_ENGINE_SHAPES: shapes.join(',') };
  const child = processes.start('engine', 'bench/engine.ts', env, pinning, pinning.serverCpu);
  const match = await processes.waitFor(child, RESULT_LINE, 180_000);
  return JSON.parse(match[1]!) as EngineFloor[];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const run = process.env.BENCH_ENGINE_RUN;
  const shapes = (process.env.BENCH_ENGINE_SHAPES?.split(',') ?? CURVE_SHAPES) as CurveShape[];
  const floors = await measureEngineFloor(shapes, run === 'quick' ? { batches: 3, batchMs: 80 } : {});
  if (run) {
    process.stdout.write(`ENGINE_FLOOR ${JSON.stringify(floors)}\n`);
  } else {
    for (const floor of floors) {
      process.stdout.write(`${floor.shape.padEnd(7)} ${String(floor.packages).padStart(4)} ids  ${floor.cpuUsPerOp.toFixed(0).padStart(7)} µs/op  ${(floor.cpuUsPerOp / floor.packages).toFixed(1).padStart(6)} µs/package  ${floor.resultBytes} bytes\n`);
    }
  }
}
