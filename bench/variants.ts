/**
 * What is measured. An operation is something a frontend does (read a package, read N packages,
 * list a page, cancel a package, look up a Plesk subscription); each is run against three targets:
 *
 * - `direct`: the upstream call(s) the gateway makes for it, sent straight to the sandbox with the
 *   gateway's headers: the floor of any gateway;
 * - `proxy`: the same call(s) through bench/proxy.ts (node:http + an undici Pool with the gateway's
 *   settings): the limit for a gateway written in Node;
 * - `gateway`: the GraphQL operation a frontend sends, a fixed document with variables.
 *
 * For direct and proxy one operation is as many HTTP requests as the gateway makes upstream calls
 * (ten Query Packages calls for 1000 ids, three packets for a Plesk subscription with its plans), so
 * their CPU per operation is comparable.
 */
import { randomUUID } from 'node:crypto';
import { PLESK_DEMO } from '../src/sandbox/plesk/index.js';
import { WIX_DEMO } from '../src/sandbox/wix/index.js';
import { AGENT_PATH } from '../src/upstreams/plesk/client.js';
import { DEFAULT_PROTOCOL_VERSION, planGetPacket, webspaceGetPacket } from '../src/upstreams/plesk/packets.js';
import { operationResults, parsePacket, type RawResult } from '../src/upstreams/plesk/parse.js';
import type { PleskOperationName } from '../src/upstreams/plesk/types.js';
import type { SandboxInfo, UpstreamName } from './upstreams.js';

export type Target = 'direct' | 'proxy' | 'gateway';
export type CurveShape = 'aliases' | 'list';
export const TARGETS: readonly Target[] = ['direct', 'proxy', 'gateway'];

/** Query Packages' largest page, and so the gateway's batch size. */
const CHUNK = 100;

/** Plesk packets per subscription look-up with plan fields: webspace get, service-plan get, service-plan-addon get. */
const PLESK_CALLS = 3;

/** Ids used once each (packages to cancel). Running dry reuses ids, and every reuse is an error. */
export class IdPool {
  private next = 0;
  constructor(private readonly ids: readonly string[]) {}
  get remaining(): number {
    return this.ids.length - this.next;
  }
  take(): { id: string; reused: boolean } {
    const index = this.next++;
    return { id: this.ids[index % this.ids.length]!, reused: index >= this.ids.length };
  }
}

/** What the variants run against: set up by run.ts before anything is measured. */
export interface World {
  sandbox: SandboxInfo;
  /** Bearer token of the `bench` caller, sent to the gateway and the proxy. */
  token: string;
  /** The gateway's default account, holding `readIds`. */
  accountId: string;
  /** At least 1000 packages of `accountId`. */
  readIds: readonly string[];
  /**
   * Account of the packages to cancel: another reseller's, so the thousands of them do not slow
   * down the sandbox's queries over `accountId`'s family.
   */
  cancelAccountId: string;
  cancelPool: IdPool;
}

/** One HTTP request and how to check its answer. */
export interface Step {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** A problem with the answer, or undefined when it is right. */
  check(status: number, body: string): string | undefined;
}

export interface Workload {
  /** HTTP requests per operation: 1 for the gateway, its upstream calls for direct and proxy. */
  requestsPerOp: number;
  /** Fixed steps, sent in turn on each connection; or a factory called once per request. */
  steps: Step[] | (() => Step);
}

export interface Operation {
  /** Short name for `--only` and the JSON: `package`, `ids-10`, `list`, `cancel`, `plesk`. */
  key: string;
  label: string;
  upstream: UpstreamName;
  /** Packages one operation reads, for the cost curve. */
  packages?: number;
  /** The cost curve this operation is a point of: N aliased `package(id)` fields, or one `packagesById`. */
  shape?: CurveShape;
  /**
   * The operation whose direct and proxy rows stand for this one's: the same upstream calls, so
   * only the gateway runs it, and its ratio is to that operation's proxy.
   */
  floorOf?: string;
  /** Upstream calls the gateway must make per operation. */
  expectedCalls: number;
  /** Each operation uses up fresh data (so measured windows are capped by the pool). */
  consumes: boolean;
  /**
   * Fewer connections at saturation for heavy operations: 1000 ids keep ten upstream calls in flight
   * per request, so two connections already keep the gateway busy. More only queue requests in the
   * gateway, each holding its thousand rows while it waits, and the collector copies them: with 4
   * connections the gateway served 25-35 % fewer 1000-id requests a second than with 2, at 40-60 %
   * more CPU each (bench/RESULTS.md).
   */
  maxConnections?: number;
  workload(target: Target, world: World): Workload;
}

// ---------------------------------------------------------------------------------------------
// Gateway documents: what a support frontend asks for. They stay within the gateway's default
// request limits (depth 8, 100 aliases, 5000 tokens, cost 10000) up to 100 rows; only the
// 1000-row document needs the raised limits run.ts gives the gateway.

/** A row of a package table (lists and look-ups by id). */
const PACKAGE_ROW = `fragment PackageRow on Package {
  id
  externalId
  createdDate
  productInstances { instanceId catalogProductId status siteId isFloating }
}`;

/** A package's detail view. */
const PACKAGE_DOC = `query Package($id: ID!) {
  package(id: $id) {
    id
    accountId
    externalId
    createdDate
    updatedDate
    productInstances {
      instanceId
      catalogProductId
      status
      siteId
      isFloating
      countryCode
      expirationDate
      discountCode
      billingInfo { type cycleDuration { unit count } }
      failure { code message }
    }
  }
}`;

/** N aliased `package(id: $idK)` fields, one variable each: what a frontend sends for N rows. */
export function packagesByIdDoc(n: number): string {
  const vars = Array.from({ length: n }, (_, k) => `$id${k}: ID!`).join(', ');
  const fields = Array.from({ length: n }, (_, k) => `  p${k}: package(id: $id${k}) { ...PackageRow }`).join('\n');
  return `query PackagesById(${vars}) {\n${fields}\n}\n${PACKAGE_ROW}`;
}

/** The same N rows as one list field with one list variable: `packagesById(ids: $ids)`. */
export const PACKAGES_BY_ID_LIST_DOC = `query PackagesByIdList($ids: [ID!]!) {
  packagesById(ids: $ids) { ...PackageRow }
}
${PACKAGE_ROW}`;

const LIST_DOC = `query Packages($first: Int!) {
  packages(first: $first) {
    edges { cursor node { ...PackageRow } }
    pageInfo { hasNextPage endCursor }
  }
}
${PACKAGE_ROW}`;

const CANCEL_DOC = `mutation CancelPackage($input: CancelPackageInput!) {
  cancelPackage(input: $input) {
    __typename
    ... on CancelPackageSuccess { idempotencyKey package { id productInstances { instanceId status } } }
    ... on Error { code message }
  }
}`;

/** A Plesk subscription as a support view shows it: the site, its state, its service plan and add-ons. */
const PLESK_SUBSCRIPTION_DOC = `query PleskSubscription($server: String, $by: PleskSubscriptionKey!) {
  pleskSubscription(server: $server, by: $by) {
    server
    id
    name
    asciiName
    guid
    externalId
    status
    active
    locked
    synchronized
    ownerLogin
    createdDate
    servicePlan { ...PleskPlanRow }
    addonPlans { ...PleskPlanRow }
  }
}
fragment PleskPlanRow on PleskPlan { id guid externalId name kind }`;

interface GraphQLAnswer {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

function graphqlStep(world: World, operationName: string, query: string, variables: unknown, check: (data: Record<string, unknown>) => string | undefined): Step {
  return {
    method: 'POST',
    path: '/graphql',
    headers: {
      authorization: `Bearer ${world.token}`,
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
    },
    body: JSON.stringify({ query, variables, operationName }),
    check(status, body) {
      const answer = parseJson<GraphQLAnswer>(body);
      if (!answer) return `HTTP ${status}, not JSON: ${body.slice(0, 200)}`;
      const error = answer.errors?.[0];
      if (error) return `HTTP ${status}, ${error.extensions?.code ?? 'error'}: ${error.message}`;
      if (status !== 200 || !answer.data) return `HTTP ${status} without data`;
      return check(answer.data);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Upstream requests, exactly as the gateway's Wix client sends them (src/upstreams/wix/client.ts).

/** Direct: the account-level key, raw. Proxy: the caller's token; the proxy holds the key. */
function upstreamHeaders(target: Target, world: World, accountId: string, json: boolean): Record<string, string> {
  return {
    authorization: target === 'direct' ? world.sandbox.wix.apiKey : `Bearer ${world.token}`,
    'wix-account-id': accountId,
    accept: 'application/json',
    ...(json ? { 'content-type': 'application/json' } : {}),
  };
}

interface WixPackage {
  id: string;
  productInstances?: { status: string }[];
}

function getPackageStep(target: Target, world: World, id: string): Step {
  return {
    method: 'GET',
    path: `/resellers/v1/packages/${id}`,
    headers: upstreamHeaders(target, world, world.accountId, false),
    check(status, body) {
      const pkg = parseJson<{ package?: WixPackage }>(body)?.package;
      if (status !== 200 || pkg?.id !== id) return `HTTP ${status}: ${body.slice(0, 200)}`;
      return undefined;
    },
  };
}

/** Query Packages as the gateway's loader sends it for a batch of ids (src/upstreams/wix/loaders.ts). */
function queryByIdsStep(target: Target, world: World, ids: readonly string[]): Step {
  return {
    method: 'POST',
    path: '/resellers/v1/packages/query',
    headers: upstreamHeaders(target, world, world.accountId, true),
    body: JSON.stringify({
      query: { filter: { id: { $in: ids }, accountId: { $eq: world.accountId } }, cursorPaging: { limit: CHUNK } },
    }),
    check(status, body) {
      const packages = parseJson<{ packages?: WixPackage[] }>(body)?.packages;
      if (status !== 200 || !packages) return `HTTP ${status}: ${body.slice(0, 200)}`;
      const found = new Set(packages.map((pkg) => pkg.id));
      const missing = ids.filter((id) => !found.has(id)).length;
      return missing > 0 ? `${missing} of ${ids.length} packages missing` : undefined;
    },
  };
}

/** The gateway's batches for these ids: chunks of 100; a chunk of one is a Get Package. */
function byIdsSteps(target: Target, world: World, ids: readonly string[]): Step[] {
  const steps: Step[] = [];
  for (let start = 0; start < ids.length; start += CHUNK) {
    const chunk = ids.slice(start, start + CHUNK);
    steps.push(chunk.length === 1 ? getPackageStep(target, world, chunk[0]!) : queryByIdsStep(target, world, chunk));
  }
  return steps;
}

function cancelledProblem(pkg: WixPackage | undefined, id: string, reused: boolean): string | undefined {
  if (reused) return `package ${id} was already cancelled (pool ran dry)`;
  if (pkg?.id !== id) return `answer is about package ${pkg?.id ?? 'none'}, not ${id}`;
  if (!pkg.productInstances?.length || pkg.productInstances.some((i) => i.status !== 'CANCELED')) return 'instances not CANCELED';
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Plesk packets, built by the gateway's own builders (src/upstreams/plesk/packets.ts) with the
// arguments its client passes for one `pleskSubscription` with plan fields (client.ts, loaders.ts,
// src/schema/plesk-subscription.ts): a `webspace get` with both datasets, then one `service-plan get`
// and one `service-plan-addon get`, each with every plan GUID of the subscription in the order the
// subscription lists them (main plan, then add-ons), no owner scope, the pinned protocol version
// (which run.ts pins for the gateway too).

/** The subscription looked up: two add-ons, so the plan look-ups carry three GUIDs. */
const PLESK_SUBSCRIPTION = PLESK_DEMO.subscriptions.shop;
const PLESK_SERVICE_PLAN = PLESK_DEMO.servicePlans[PLESK_SUBSCRIPTION.servicePlan];
const PLESK_ADDON_PLANS = PLESK_SUBSCRIPTION.addons.map((key) => PLESK_DEMO.addonPlans[key]);
const PLESK_PLAN_GUIDS = [PLESK_SERVICE_PLAN.guid, ...PLESK_ADDON_PLANS.map((plan) => plan.guid)];

/**
 * The client's headers (its `#headers` are private, so they are repeated here): the XML content type
 * and the secret key. Direct: the key, raw. Proxy: the caller's token; the Plesk proxy holds the key
 * and sends it as `KEY`.
 */
function pleskHeaders(target: Target, world: World): Record<string, string> {
  const credential: Record<string, string> = target === 'direct' ? { KEY: pleskOf(world).secretKey } : { authorization: `Bearer ${world.token}` };
  return { 'Content-Type': 'text/xml; charset=UTF-8', ...credential };
}

function pleskOf(world: World): NonNullable<SandboxInfo['plesk']> {
  if (!world.sandbox.plesk) throw new Error('the sandbox printed no Plesk URL and key');
  return world.sandbox.plesk;
}

/** One agent.php packet whose answer must be HTTP 200 with results that `check` accepts. */
function pleskStep(target: Target, world: World, operation: PleskOperationName, body: string, check: (results: RawResult[]) => string | undefined): Step {
  return {
    method: 'POST',
    path: AGENT_PATH,
    headers: pleskHeaders(target, world),
    body,
    check(status, text) {
      if (status !== 200) return `${operation}: HTTP ${status}: ${text.slice(0, 200)}`;
      let results: RawResult[];
      try {
        // The gateway's own reading: a packet-level error or a malformed answer throws.
        results = operationResults(parsePacket(text, operation, status), operation, status);
      } catch (error) {
        return `${operation}: ${(error as Error).message}: ${text.slice(0, 200)}`;
      }
      const problem = check(results);
      return problem === undefined ? undefined : `${operation}: ${problem}`;
    },
  };
}

/**
 * A plan look-up by every GUID of the subscription: an ok result for each plan of this kind, and
 * "does not exist" (1013, what the gateway reads as not found) for the GUIDs of the other kind.
 */
function planResultsProblem(results: RawResult[], wanted: readonly string[]): string | undefined {
  const found = results.filter((r) => r.status === 'ok').map((r) => String(r.node['guid']));
  const missing = wanted.filter((guid) => !found.includes(guid));
  const unexpected = found.filter((guid) => !wanted.includes(guid));
  const failed = results.filter((r) => r.status === 'error' && r.errcode !== 1013);
  if (missing.length > 0 || unexpected.length > 0 || failed.length > 0 || results.length !== PLESK_PLAN_GUIDS.length) {
    return `plans ${found.join(', ') || 'none'} found, ${wanted.join(', ')} expected; errors ${results.filter((r) => r.status === 'error').map((r) => r.errcode).join(', ') || 'none'}`;
  }
  return undefined;
}

function pleskSubscriptionSteps(target: Target, world: World): Step[] {
  const version = DEFAULT_PROTOCOL_VERSION;
  const guids = { kind: 'guid', values: PLESK_PLAN_GUIDS } as const;
  return [
    pleskStep(target, world, 'webspace/get', webspaceGetPacket({ kind: 'id', values: [PLESK_SUBSCRIPTION.id] }, ['gen_info', 'subscriptions'], version), (results) => {
      const [result] = results;
      const gen = (result?.node['data'] as { gen_info?: { name?: unknown } } | undefined)?.gen_info;
      if (results.length !== 1 || result?.status !== 'ok') return `${results.length} results, first ${result?.status ?? 'none'} ${result?.errcode ?? ''}`.trim();
      return result.filterId === PLESK_SUBSCRIPTION.id && result.id === PLESK_SUBSCRIPTION.id && gen?.name === PLESK_SUBSCRIPTION.name
        ? undefined
        : `subscription ${result.id ?? '?'} ${String(gen?.name)}, not ${PLESK_SUBSCRIPTION.id} ${PLESK_SUBSCRIPTION.name}`;
    }),
    pleskStep(target, world, 'service-plan/get', planGetPacket('service-plan', guids, undefined, version), (results) =>
      planResultsProblem(results, [PLESK_SERVICE_PLAN.guid]),
    ),
    pleskStep(target, world, 'service-plan-addon/get', planGetPacket('service-plan-addon', guids, undefined, version), (results) =>
      planResultsProblem(results, PLESK_ADDON_PLANS.map((plan) => plan.guid)),
    ),
  ];
}

interface PleskPlanAnswer {
  guid?: string;
  kind?: string;
}

/** The gateway's answer: the right subscription, its main plan and its add-ons, nothing else. */
function pleskSubscriptionProblem(data: Record<string, unknown>): string | undefined {
  const sub = data['pleskSubscription'] as { id?: string; name?: string; servicePlan?: PleskPlanAnswer | null; addonPlans?: PleskPlanAnswer[] } | null;
  const addons = sub?.addonPlans?.map((plan) => `${plan.kind}:${plan.guid}`).join(',');
  const wanted = PLESK_ADDON_PLANS.map((plan) => `ADDON:${plan.guid}`).join(',');
  const right =
    sub?.id === PLESK_SUBSCRIPTION.id &&
    sub.name === PLESK_SUBSCRIPTION.name &&
    sub.servicePlan?.guid === PLESK_SERVICE_PLAN.guid &&
    sub.servicePlan.kind === 'SERVICE' &&
    addons === wanted;
  return right ? undefined : `unexpected subscription: ${JSON.stringify(sub).slice(0, 200)}`;
}

// ---------------------------------------------------------------------------------------------

export const CURVE_SIZES = [1, 10, 100, 1000] as const;
export const CURVE_SHAPES: readonly CurveShape[] = ['aliases', 'list'];

export function operations(): Operation[] {
  const packageOp: Operation = {
    key: 'package',
    label: 'package(id)',
    upstream: 'wix',
    expectedCalls: 1,
    consumes: false,
    workload(target, world) {
      // The demo mailbox package: two instances, as a typical support view shows.
      const id = WIX_DEMO.mailboxPackageId;
      if (target !== 'gateway') return { requestsPerOp: 1, steps: [getPackageStep(target, world, id)] };
      const step = graphqlStep(world, 'Package', PACKAGE_DOC, { id }, (data) => {
        const pkg = data['package'] as { id?: string; productInstances?: unknown[] } | null;
        return pkg?.id === id && pkg.productInstances?.length === 2 ? undefined : `unexpected package: ${JSON.stringify(pkg).slice(0, 200)}`;
      });
      return { requestsPerOp: 1, steps: [step] };
    },
  };

  /** What every point of a cost curve shares; `workload` gets the N packages it reads. */
  const curvePoint = (
    n: number,
    shape: CurveShape,
    point: Pick<Operation, 'key' | 'label'> & Partial<Pick<Operation, 'floorOf'>>,
    workload: (target: Target, world: World, ids: readonly string[]) => Workload,
  ): Operation => ({
    ...point,
    upstream: 'wix',
    packages: n,
    shape,
    expectedCalls: Math.ceil(n / CHUNK),
    consumes: false,
    ...(n >= 1000 ? { maxConnections: 2 } : {}),
    workload(target, world) {
      const ids = world.readIds.slice(0, n);
      if (ids.length < n) throw new Error(`${n} packages are needed, ${ids.length} exist`);
      return workload(target, world, ids);
    },
  });

  const byIdsOps = CURVE_SIZES.map((n) =>
    curvePoint(n, 'aliases', { key: `ids-${n}`, label: `${n} × package(id)` }, (target, world, ids) => {
      if (target !== 'gateway') {
        const steps = byIdsSteps(target, world, ids);
        return { requestsPerOp: steps.length, steps };
      }
      const variables = Object.fromEntries(ids.map((id, k) => [`id${k}`, id]));
      const step = graphqlStep(world, 'PackagesById', packagesByIdDoc(n), variables, (data) => {
        let wrong = 0;
        ids.forEach((id, k) => {
          if ((data[`p${k}`] as { id?: string } | null)?.id !== id) wrong++;
        });
        return wrong > 0 ? `${wrong} of ${n} packages null or wrong` : undefined;
      });
      return { requestsPerOp: 1, steps: [step] };
    }),
  );

  const byIdListOps = CURVE_SIZES.map((n) =>
    curvePoint(n, 'list', { key: `idlist-${n}`, label: `packagesById, ${n} ids`, floorOf: `ids-${n}` }, (target, world, ids) => {
      if (target !== 'gateway') throw new Error(`idlist-${n} runs on the gateway only; its floor is ids-${n}'s`);
      const step = graphqlStep(world, 'PackagesByIdList', PACKAGES_BY_ID_LIST_DOC, { ids }, (data) => {
        const rows = data['packagesById'] as ({ id?: string } | null)[] | undefined;
        if (rows?.length !== n) return `${rows?.length ?? 'no'} rows instead of ${n}`;
        const wrong = ids.filter((id, k) => rows[k]?.id !== id).length;
        return wrong > 0 ? `${wrong} of ${n} packages null or wrong` : undefined;
      });
      return { requestsPerOp: 1, steps: [step] };
    }),
  );

  const listOp: Operation = {
    key: 'list',
    label: 'packages(first: 100)',
    upstream: 'wix',
    expectedCalls: 1,
    consumes: false,
    workload(target, world) {
      if (target !== 'gateway') {
        // The first page as the gateway asks for it: the account's packages, newest first.
        const body = JSON.stringify({
          query: {
            filter: { accountId: { $eq: world.accountId } },
            sort: [{ fieldName: 'createdDate', order: 'DESC' }],
            cursorPaging: { limit: 100 },
          },
        });
        const step: Step = {
          method: 'POST',
          path: '/resellers/v1/packages/query',
          headers: upstreamHeaders(target, world, world.accountId, true),
          body,
          check(status, text) {
            const packages = parseJson<{ packages?: unknown[] }>(text)?.packages;
            return status === 200 && packages?.length === 100 ? undefined : `HTTP ${status}, ${packages?.length ?? 'no'} packages`;
          },
        };
        return { requestsPerOp: 1, steps: [step] };
      }
      const step = graphqlStep(world, 'Packages', LIST_DOC, { first: 100 }, (data) => {
        const edges = (data['packages'] as { edges?: unknown[] } | null)?.edges;
        return edges?.length === 100 ? undefined : `${edges?.length ?? 'no'} edges instead of 100`;
      });
      return { requestsPerOp: 1, steps: [step] };
    },
  };

  const cancelOp: Operation = {
    key: 'cancel',
    label: 'cancelPackage',
    upstream: 'wix',
    expectedCalls: 1,
    consumes: true,
    workload(target, world) {
      const account = world.cancelAccountId;
      if (target !== 'gateway') {
        return {
          requestsPerOp: 1,
          steps: () => {
            const { id, reused } = world.cancelPool.take();
            return {
              method: 'DELETE',
              // The gateway always sends an idempotency key, in the query string (client.ts).
              path: `/resellers/v1/packages/${id}?idempotencyKey=${randomUUID()}`,
              headers: upstreamHeaders(target, world, account, false),
              check: (status, body) =>
                status === 200 ? cancelledProblem(parseJson<{ package?: WixPackage }>(body)?.package, id, reused) : `HTTP ${status}: ${body.slice(0, 200)}`,
            };
          },
        };
      }
      return {
        requestsPerOp: 1,
        steps: () => {
          const { id, reused } = world.cancelPool.take();
          return graphqlStep(world, 'CancelPackage', CANCEL_DOC, { input: { accountId: account, id } }, (data) => {
            const result = data['cancelPackage'] as { __typename?: string; code?: string; package?: WixPackage } | undefined;
            if (result?.__typename !== 'CancelPackageSuccess') return `${result?.__typename ?? 'no result'} ${result?.code ?? ''}`.trim();
            return cancelledProblem(result.package, id, reused);
          });
        },
      };
    },
  };

  const pleskOp: Operation = {
    key: 'plesk',
    label: 'pleskSubscription(by: id)',
    upstream: 'plesk',
    expectedCalls: PLESK_CALLS,
    consumes: false,
    workload(target, world) {
      if (target !== 'gateway') {
        const steps = pleskSubscriptionSteps(target, world);
        return { requestsPerOp: steps.length, steps };
      }
      const variables = { server: 'default', by: { id: PLESK_SUBSCRIPTION.id } };
      return { requestsPerOp: 1, steps: [graphqlStep(world, 'PleskSubscription', PLESK_SUBSCRIPTION_DOC, variables, pleskSubscriptionProblem)] };
    },
  };

  return [packageOp, ...byIdsOps, ...byIdListOps, listOp, cancelOp, pleskOp];
}

function parseJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
