/**
 * Typed client for the Wix Resellers Packages API (wix-resellers-api.md §4, §12): one method per
 * public method, REST paths and verbs as documented, the account-level key sent raw in
 * `Authorization` and the account in `wix-account-id`. No GraphQL here.
 */
import { UpstreamHttp, type CallOrigin, type HttpMethod, type UpstreamCallRecord, type UpstreamResilience } from '../http.js';
import { WixApiError, WixBadResponseError } from './errors.js';
import { parseJson, toPackage, toPackagesPage } from './normalize.js';
import type { BillingInfo, MutationResult, NewProductInstance, Package, PackagesPage, PackagesQuery } from './types.js';

export interface WixClientOptions {
  baseUrl: string;
  apiKey: string;
  /** Overall deadline of one call. Default 10 s. */
  deadlineMs?: number;
  /** Largest accepted response body. Default 4 MiB (a page of 100 packages of 1000 instances is large). */
  maxResponseBytes?: number;
  connections?: number;
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  /** Breaker, bulkhead, rate limiter and read retries. */
  resilience?: UpstreamResilience;
  onCall?: (call: UpstreamCallRecord) => void;
}

export interface WriteOptions {
  idempotencyKey?: string;
}

export interface ReadOptions {
  signal?: AbortSignal;
}

interface Call {
  method: HttpMethod;
  /** Only reads are retried. */
  read?: boolean;
  path: string;
  route: string;
  accountId: string;
  body?: unknown;
  query?: Record<string, string>;
  signal?: AbortSignal;
}

const seg = encodeURIComponent;

export class WixClient {
  private readonly http: UpstreamHttp;
  private readonly apiKey: string;
  /** Stated on every call of this client (see `withOrigin`). */
  private readonly origin: CallOrigin | undefined;

  constructor(options: WixClientOptions);
  /** The view `client.withOrigin(origin)` returns. */
  constructor(client: WixClient, origin: CallOrigin);
  constructor(from: WixClientOptions | WixClient, origin?: CallOrigin) {
    this.origin = origin;
    if (from instanceof WixClient) {
      this.http = from.http;
      this.apiKey = from.apiKey;
      return;
    }
    const options = from;
    this.apiKey = options.apiKey;
    this.http = new UpstreamHttp({
      upstream: 'wix',
      baseUrl: options.baseUrl,
      maxResponseBytes: options.maxResponseBytes ?? 4 * 1024 * 1024,
      ...(options.deadlineMs !== undefined ? { deadlineMs: options.deadlineMs } : {}),
      ...(options.connections !== undefined ? { connections: options.connections } : {}),
      ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
      ...(options.headersTimeoutMs !== undefined ? { headersTimeoutMs: options.headersTimeoutMs } : {}),
      ...(options.resilience ? { resilience: options.resilience } : {}),
      ...(options.onCall ? { onCall: options.onCall } : {}),
    });
  }

  /**
   * This client for one request: the same connections and policy, with `origin` stated on every
   * call, so that logs and traces tie the calls to the request. One small object.
   */
  withOrigin(origin: CallOrigin): WixClient {
    return new WixClient(this, origin);
  }

  /** Create Package V2 (§4.2). */
  async createPackage(
    accountId: string,
    input: { externalId?: string; products: NewProductInstance[] } & WriteOptions,
  ): Promise<MutationResult> {
    return this.mutation({
      method: 'POST',
      path: '/resellers/v2/packages',
      route: '/resellers/v2/packages',
      accountId,
      body: input,
    });
  }

  /** Get Package (§4.3). */
  async getPackage(accountId: string, id: string, options: ReadOptions = {}): Promise<Package> {
    const { body } = await this.call({
      method: 'GET',
      path: `/resellers/v1/packages/${seg(id)}`,
      route: '/resellers/v1/packages/{id}',
      read: true,
      accountId,
      ...options,
    });
    return toPackage(body.package);
  }

  /** Query Packages (§4.4, §7). */
  async queryPackages(accountId: string, query: PackagesQuery, options: ReadOptions = {}): Promise<PackagesPage> {
    const { body } = await this.call({
      method: 'POST',
      path: '/resellers/v1/packages/query',
      route: '/resellers/v1/packages/query',
      read: true,
      accountId,
      body: { query },
      ...options,
    });
    return toPackagesPage(body);
  }

  /** Cancel Package (§4.5). The key goes in the query string, as the SDK sends it (§11 item 6). */
  async cancelPackage(accountId: string, id: string, options: WriteOptions = {}): Promise<MutationResult> {
    return this.mutation({
      method: 'DELETE',
      path: `/resellers/v1/packages/${seg(id)}`,
      route: '/resellers/v1/packages/{id}',
      accountId,
      ...keyQuery(options),
    });
  }

  /** Cancel Product Instance (§4.6). */
  async cancelProductInstance(accountId: string, instanceId: string, options: WriteOptions = {}): Promise<MutationResult> {
    return this.mutation({
      method: 'DELETE',
      path: `/resellers/v1/packages/product-instances/${seg(instanceId)}`,
      route: '/resellers/v1/packages/product-instances/{instanceId}',
      accountId,
      ...keyQuery(options),
    });
  }

  /** Assign Product Instance To Site (§4.7). */
  async assignProductInstanceToSite(
    accountId: string,
    instanceId: string,
    siteId: string,
    options: WriteOptions = {},
  ): Promise<MutationResult> {
    return this.mutation({
      method: 'PATCH',
      path: `/resellers/v1/packages/product-instances/${seg(instanceId)}/${seg(siteId)}`,
      route: '/resellers/v1/packages/product-instances/{instanceId}/{siteId}',
      accountId,
      body: keyBody(options),
    });
  }

  /** Unassign Product Instance From Site (§4.8). */
  async unassignProductInstanceFromSite(
    accountId: string,
    instanceId: string,
    options: WriteOptions = {},
  ): Promise<MutationResult> {
    return this.mutation({
      method: 'PATCH',
      path: `/resellers/v1/packages/product-instances/${seg(instanceId)}/unassign`,
      route: '/resellers/v1/packages/product-instances/{instanceId}/unassign',
      accountId,
      body: keyBody(options),
    });
  }

  /** Adjust Product Instance Specifications (§4.9). */
  async adjustProductInstanceSpecifications(
    accountId: string,
    instanceId: string,
    change: { catalogProductId?: string; billingInfo?: BillingInfo; discountCode?: string } & WriteOptions,
  ): Promise<MutationResult> {
    return this.mutation({
      method: 'PATCH',
      path: `/resellers/v1/packages/product-instances/${seg(instanceId)}`,
      route: '/resellers/v1/packages/product-instances/{instanceId}',
      accountId,
      body: change,
    });
  }

  /** Update Package External Id (§4.10): no body, the new value URL-encoded in the path. */
  async updatePackageExternalId(accountId: string, packageId: string, externalId: string): Promise<MutationResult> {
    const { body, requestId } = await this.call({
      method: 'PATCH',
      path: `/resellers/v1/packages/update/${seg(packageId)}/${seg(externalId)}`,
      route: '/resellers/v1/packages/update/{packageId}/{externalId}',
      accountId,
    });
    // §11 item 4: the example spells it `updated_package`.
    return withRequestId({ package: toPackage(body.updatedPackage ?? body.updated_package) }, requestId);
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  private async mutation(call: Call): Promise<MutationResult> {
    const { body, requestId } = await this.call(call);
    const result: MutationResult = { package: toPackage(body.package) };
    const key = body.idempotencyKey ?? body.idempotency_key;
    if (typeof key === 'string') result.idempotencyKey = key;
    return withRequestId(result, requestId);
  }

  private async call(call: Call): Promise<{ body: Record<string, unknown>; requestId?: string }> {
    const headers: Record<string, string> = {
      authorization: this.apiKey,
      'wix-account-id': call.accountId,
      accept: 'application/json',
    };
    let payload: string | undefined;
    if (call.body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(call.body);
    }
    const response = await this.http.send({
      method: call.method,
      path: call.path,
      route: call.route,
      ...(call.read ? { read: true } : {}),
      headers,
      ...(payload !== undefined ? { body: payload } : {}),
      ...(call.query ? { query: call.query } : {}),
      ...(call.signal ? { signal: call.signal } : {}),
      origin: this.origin,
    });
    const requestId = response.headers['x-wix-request-id'];
    if (response.status < 200 || response.status >= 300) {
      throw WixApiError.fromResponse(response.status, response.body, response.headers);
    }
    try {
      return { body: parseJson(response.body, requestId), ...(requestId ? { requestId } : {}) };
    } catch (error) {
      if (error instanceof WixBadResponseError) throw new WixBadResponseError(error.reason, requestId);
      throw error;
    }
  }
}

function keyQuery(options: WriteOptions): { query?: Record<string, string> } {
  return options.idempotencyKey ? { query: { idempotencyKey: options.idempotencyKey } } : {};
}

function keyBody(options: WriteOptions): Record<string, string> | undefined {
  return options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : undefined;
}

function withRequestId(result: MutationResult, requestId: string | undefined): MutationResult {
  if (requestId) result.requestId = requestId;
  return result;
}
