/**
 * One log line, one histogram observation (and one span) per GraphQL operation, done once per
 * request in yoga/envelop hooks, never per resolver. The line is at `info` for failed operations
 * and for every mutation, at `debug` for a successful query or subscription: reads are counted by
 * the metrics, and a line each would cost more than the rest of a small read (a write per line).
 *
 * - `onRequest`   start time, in-flight count, and with tracing the operation span's ids (see
 *                 tracing.ts; `operationSpan` hands them to the GraphQL context for the request's
 *                 upstream calls); answers `GET <metricsPath>` itself.
 * - `onExecute`   notes the request id, caller and upstream call count from the GraphQL context,
 *                 and the document.
 * - `onResultProcess` notes the final (already masked) result: exactly what the client receives.
 * - `onResponse`  writes the line and the metrics, and ends the in-flight count.
 *
 * Writing happens in `onResponse` so that an operation refused before execution (syntax or
 * validation error: no GraphQL context exists yet) can still carry the request id and the caller
 * that the authentication plugin put on the server context, when that plugin is listed before this
 * one.
 *
 * `errorCodes` of a line: the `extensions.code` of each GraphQL error of the result (`UNKNOWN` when
 * it has none), then, for a mutation, the code of each root field whose value is an error result
 * (a union member): when `__typename` was selected, a value is an error iff its typename ends in
 * `Error`, and its code is its `code` field, or when `code` was not selected, derived from the
 * typename (`NotFoundError` → `NOT_FOUND`); when `__typename` was not selected, a value with a
 * string `code` field is an error result. `outcome` is `error` iff `errorCodes` is not empty.
 *
 * Operation label (logs, metrics, spans): the operation's name while it is one of the first
 * `maxOperationNames` distinct names seen (or a `known` one); otherwise its root field names,
 * sorted and joined with `+` (at most 3, then `+…`); `anonymous` when neither exists; `invalid`
 * for a request refused before execution (its document is not trusted for labels); `batch` for the
 * items of a batched request. Labels never contain argument values or ids.
 */
import { getOperationAST, Kind, type DocumentNode, type ExecutionResult, type SelectionSetNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import { BoundedLabel, type GatewayMetrics } from './metrics.js';
import type { OperationSpanIds, Tracing } from './tracing.js';

export interface OperationInfo {
  /** Bounded label: see the module comment. */
  label: string;
  /** query, mutation, subscription; `unknown` when the document is missing or invalid. */
  type: string;
}

const INVALID: OperationInfo = { label: 'invalid', type: 'unknown' };
const BATCH: OperationInfo = { label: 'batch', type: 'unknown' };
const MAX_NAME_LENGTH = 64;
const MAX_ROOT_FIELDS = 3;

export interface OperationNamerOptions {
  /** Distinct operation names admitted as labels. Default 100. */
  maxOperationNames?: number;
  /** Names always admitted (e.g. the operations of known clients), on top of the bound. */
  known?: string[];
}

/** Maps a document + operation name to a bounded label; cached per (parsed, cached) document. */
export class OperationNamer {
  private readonly names: BoundedLabel;
  private readonly known: Set<string>;
  private readonly rootFieldLabels = new BoundedLabel(200, 'other');
  private readonly cache = new WeakMap<DocumentNode, Map<string, OperationInfo>>();

  constructor(options: OperationNamerOptions = {}) {
    this.names = new BoundedLabel(options.maxOperationNames ?? 100, '');
    this.known = new Set(options.known ?? []);
  }

  info(document: DocumentNode, operationName: string | null | undefined): OperationInfo {
    let perDocument = this.cache.get(document);
    if (!perDocument) {
      perDocument = new Map();
      this.cache.set(document, perDocument);
    }
    const key = operationName ?? '';
    let info = perDocument.get(key);
    if (!info) {
      info = this.compute(document, operationName);
      perDocument.set(key, info);
    }
    return info;
  }

  private compute(document: DocumentNode, operationName: string | null | undefined): OperationInfo {
    const operation = getOperationAST(document, operationName ?? undefined);
    if (!operation) return { label: 'anonymous', type: 'unknown' };
    const type = operation.operation;
    const name = operation.name?.value;
    if (name && name.length <= MAX_NAME_LENGTH && (this.known.has(name) || this.names.value(name) === name)) {
      return { label: name, type };
    }
    const fields = new Set<string>();
    collectRootFields(document, operation.selectionSet, fields, 0);
    if (fields.size === 0) return { label: 'anonymous', type };
    const sorted = [...fields].sort();
    const joined = sorted.length > MAX_ROOT_FIELDS ? `${sorted.slice(0, MAX_ROOT_FIELDS).join('+')}+…` : sorted.join('+');
    return { label: this.rootFieldLabels.value(joined), type };
  }
}

function collectRootFields(document: DocumentNode, selectionSet: SelectionSetNode, into: Set<string>, depth: number): void {
  if (depth > 3) return;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      into.add(selection.name.value);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      collectRootFields(document, selection.selectionSet, into, depth + 1);
    } else {
      const fragment = document.definitions.find(
        (definition) => definition.kind === Kind.FRAGMENT_DEFINITION && definition.name.value === selection.name.value,
      );
      if (fragment?.kind === Kind.FRAGMENT_DEFINITION) collectRootFields(document, fragment.selectionSet, into, depth + 1);
    }
  }
}

const CODE_SHAPE = /^[A-Za-z][\w.-]{0,63}$/;

/** Bounds error codes: well-formed ones, the first `max` distinct seen; anything else is `OTHER`. */
export class ErrorCodes {
  private readonly codes: BoundedLabel;
  private readonly fromTypename = new Map<string, string>();

  constructor(max = 100) {
    this.codes = new BoundedLabel(max, 'OTHER');
  }

  bound(code: unknown): string {
    if (typeof code !== 'string') return 'UNKNOWN';
    return CODE_SHAPE.test(code) ? this.codes.value(code) : 'OTHER';
  }

  /** `NotFoundError` → `NOT_FOUND`. */
  typenameCode(typename: string): string {
    let code = this.fromTypename.get(typename);
    if (code === undefined) {
      code = this.bound(
        typename
          .slice(0, -'Error'.length)
          .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
          .toUpperCase() || 'ERROR',
      );
      if (this.fromTypename.size < 200) this.fromTypename.set(typename, code);
    }
    return code;
  }

  /** Codes of one execution result, in order, one per error (duplicates kept). */
  collect(result: ExecutionResult, type: string): string[] {
    const codes: string[] = [];
    if (result.errors) {
      for (const error of result.errors) codes.push(this.bound(error.extensions?.code));
    }
    if (type === 'mutation' && result.data) {
      for (const key in result.data) {
        const value = result.data[key];
        if (value === null || typeof value !== 'object' || Array.isArray(value)) continue;
        const { __typename: typename, code } = value as { __typename?: unknown; code?: unknown };
        if (typeof typename === 'string') {
          if (typename.endsWith('Error')) codes.push(typeof code === 'string' ? this.bound(code) : this.typenameCode(typename));
        } else if (typeof code === 'string') {
          codes.push(this.bound(code));
        }
      }
    }
    return codes;
  }
}

function unique(codes: string[]): string[] {
  if (codes.length < 2) return codes;
  const out: string[] = [];
  for (const code of codes) if (!out.includes(code)) out.push(code);
  return out;
}

interface RequestState {
  start: number;
  /** Counted in the in-flight gauge. */
  counted: boolean;
  /** With tracing: the ids of the operation span. */
  span?: OperationSpanIds;
  requestId?: string;
  caller?: string;
  callerKind?: string;
  document?: DocumentNode;
  operationName?: string | null;
  /** The request's upstream call count (context.ts's budget), read when the line is written. */
  upstreamCalls?: { readonly made: number };
  /** What yoga is about to send: an execution result, a batch of them, or a stream. */
  result?: unknown;
  end?: number;
}

interface GatewayLikeContext {
  request?: Request;
  requestId?: unknown;
  caller?: { name?: unknown; kind?: unknown } | null;
  upstreamCalls?: { readonly made: number };
}

export interface OperationPluginOptions {
  /** For the operation lines (fixed shape: see index.ts on redaction). */
  log: Logger;
  /** For anything else (the gateway's redacting logger). */
  errorLog: Logger;
  metrics: GatewayMetrics | undefined;
  tracing: Tracing | undefined;
  namer: OperationNamer;
  codes: ErrorCodes;
  /** Path answered with the metrics text on GET; `false`: none. */
  metricsPath: string | false;
}

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  typeof value === 'object' && value !== null && Symbol.asyncIterator in value;

const round = (ms: number): number => Math.round(ms * 10) / 10;

function noteCaller(state: RequestState, caller: GatewayLikeContext['caller']): void {
  if (!caller) return;
  if (typeof caller.name === 'string') state.caller = caller.name;
  if (typeof caller.kind === 'string') state.callerKind = caller.kind;
}

export interface OperationObservability {
  plugin: Plugin;
  /** The ids the request's operation span will have; undefined without tracing. */
  operationSpan(request: Request): OperationSpanIds | undefined;
}

export function useOperationObservability(options: OperationPluginOptions): OperationObservability {
  const { log, errorLog, metrics, tracing, namer, codes } = options;
  const metricsPath = metrics ? options.metricsPath : false;
  const states = new WeakMap<Request, RequestState>();

  const stateOf = (request: Request): RequestState => {
    let state = states.get(request);
    if (!state) {
      state = { start: performance.now(), counted: false };
      states.set(request, state);
    }
    return state;
  };

  const noteExecution = ({ args }: { args: { contextValue: unknown; document: DocumentNode; operationName?: string | null | undefined } }) => {
    const context = args.contextValue as GatewayLikeContext | undefined;
    const request = context?.request;
    if (!request) return;
    const state = stateOf(request);
    state.document = args.document;
    state.operationName = args.operationName;
    if (typeof context.requestId === 'string') state.requestId = context.requestId;
    if (context.upstreamCalls) state.upstreamCalls = context.upstreamCalls;
    noteCaller(state, context.caller);
  };

  const report = (state: RequestState): void => {
    const results = Array.isArray(state.result) ? (state.result as unknown[]) : [state.result];
    const end = state.end ?? performance.now();
    const durationMs = end - state.start;
    const { requestId } = state;
    // A request refused before execution made none.
    const upstreamCalls = state.upstreamCalls?.made ?? 0;
    for (let index = 0; index < results.length; index += 1) {
      const result = results[index];
      const info = results.length > 1 ? BATCH : state.document ? namer.info(state.document, state.operationName) : INVALID;
      const all = isAsyncIterable(result) || typeof result !== 'object' || result === null ? [] : codes.collect(result as ExecutionResult, info.type);
      const errorCodes = unique(all);
      const outcome = errorCodes.length ? 'error' : 'success';
      if (metrics) {
        metrics.operation(info.label, info.type, durationMs / 1000);
        metrics.operationCalls(info.label, info.type, upstreamCalls);
        for (const code of all) metrics.graphqlError(info.label, code);
      }
      const level = outcome === 'error' || info.type === 'mutation' ? 'info' : 'debug';
      if (log.isLevelEnabled(level)) {
        log[level](
          {
            requestId,
            caller: state.caller,
            callerKind: state.callerKind,
            operation: info.label,
            operationType: info.type,
            durationMs: round(durationMs),
            upstreamCalls,
            outcome,
            errorCodes,
          },
          'graphql operation',
        );
      }
      tracing?.operation({
        // One span only can have the request's ids: a batch's first (batching is off in server.ts).
        ids: index === 0 ? state.span : undefined,
        operation: info.label,
        type: info.type,
        requestId,
        caller: state.caller,
        callerKind: state.callerKind,
        outcome,
        errorCodes,
        start: state.start,
        end,
      });
    }
  };

  const plugin: Plugin = {
    onRequest({ request, url, endResponse, fetchAPI }) {
      // Method first: a POST never pays for parsing the URL here.
      if (metricsPath && (request.method === 'GET' || request.method === 'HEAD') && url.pathname === metricsPath) {
        return metrics!.text().then((text) => {
          endResponse(new fetchAPI.Response(request.method === 'HEAD' ? null : text, { status: 200, headers: { 'content-type': metrics!.contentType } }));
        });
      }
      const state: RequestState = { start: performance.now(), counted: metrics !== undefined };
      if (tracing) state.span = tracing.operationIds(request.headers.get('traceparent'), request.headers.get('tracestate'));
      states.set(request, state);
      metrics?.requestStarted();
      return undefined;
    },
    onExecute: noteExecution,
    onSubscribe: noteExecution,
    onResultProcess({ request, result }) {
      const state = stateOf(request);
      state.result = result;
      state.end = performance.now();
    },
    onResponse({ request, response, serverContext }) {
      const state = states.get(request);
      if (!state) return;
      states.delete(request);
      if (state.counted) metrics?.requestFinished();
      if (state.result === undefined) return;
      // A request refused before execution has no GraphQL context: the authentication plugin's
      // facts are on the server context.
      const facts = serverContext as GatewayLikeContext | undefined;
      if (state.requestId === undefined && typeof facts?.requestId === 'string') state.requestId = facts.requestId;
      if (state.caller === undefined) noteCaller(state, facts?.caller);
      try {
        report(state);
      } catch (error) {
        errorLog.error({ err: error }, 'observability: could not report an operation');
      }
    },
  };
  return { plugin, operationSpan: tracing ? (request) => states.get(request)?.span : () => undefined };
}
