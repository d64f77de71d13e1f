/**
 * Traces through the real gateway: its operation span and the spans of the upstream calls made for
 * it are one trace (each upstream span a child of the operation span), which joins the caller's
 * trace when a valid W3C `traceparent` comes in. Spans reach an OTLP/HTTP receiver on loopback when
 * the stack closes.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startOtlpReceiver, SPAN_KIND, type ExportedSpan, type OtlpReceiver } from '../support/otlp-receiver.js';
import type { TracesSampler } from '../../src/observability/tracing.js';
import { PLESK_DEMO, startStack, WIX_DEMO, type Stack } from '../support/stack.js';

let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(() => receiver.close());
beforeEach(() => receiver.clear());

/** Runs `requests` against a traced stack, closes it (which exports every span), and returns the spans. */
async function traced(requests: (stack: Stack) => Promise<void>, sampler?: TracesSampler): Promise<ExportedSpan[]> {
  const stack = await startStack({ tracing: { endpoint: receiver.endpoint, ...(sampler ? { sampler } : {}) } });
  try {
    await requests(stack);
  } finally {
    await stack.close();
  }
  return receiver.spans();
}

/** The one SERVER span of this operation, and the CLIENT spans of its trace. */
function operation(spans: ExportedSpan[], name: string) {
  const servers = spans.filter((span) => span.kind === SPAN_KIND.SERVER && span.name === name);
  expect(servers).toHaveLength(1);
  const server = servers[0]!;
  return { server, upstream: spans.filter((span) => span.kind === SPAN_KIND.CLIENT && span.traceId === server.traceId) };
}

const packageQuery = (name: string, id: string = WIX_DEMO.packageId) => `query ${name} { package(id: "${id}") { id } }`;

const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';

describe('an operation and its upstream calls', () => {
  it("a package query's Wix call is a child of the operation span, in each request's own trace", async () => {
    const spans = await traced(async (stack) => {
      await stack.gql(packageQuery('First'), undefined, { 'x-request-id': 'traced-1' });
      await stack.gql(packageQuery('Second', WIX_DEMO.floatingPackageId));
    });
    const first = operation(spans, 'First');
    const second = operation(spans, 'Second');
    expect(first.server.traceId).not.toBe(second.server.traceId);
    expect(first.server.parentSpanId).toBeUndefined();
    expect(first.server.attributes['gateway.request_id']).toBe('traced-1');
    for (const { server, upstream } of [first, second]) {
      expect(upstream.map((span) => span.name)).toEqual(['wix GET /resellers/v1/packages/{id}']);
      expect(upstream[0]!.parentSpanId).toBe(server.spanId);
    }
    // No upstream span is left as a root of its own trace.
    expect(spans.filter((span) => span.kind === SPAN_KIND.CLIENT && span.parentSpanId === undefined)).toEqual([]);
  });

  it("a Plesk query's calls (subscription, then its plans) are children of the operation span", async () => {
    const spans = await traced(async (stack) => {
      const res = await stack.gql(`query PleskRead { pleskSubscription(by: { id: "${PLESK_DEMO.subscriptions.shop.id}" }) { id servicePlan { guid } addonPlans { guid } } }`);
      expect(res.body.errors).toBeUndefined();
    });
    const { server, upstream } = operation(spans, 'PleskRead');
    expect(upstream.map((span) => span.name).sort()).toEqual([
      'plesk POST /enterprise/control/agent.php#service-plan-addon/get',
      'plesk POST /enterprise/control/agent.php#service-plan/get',
      'plesk POST /enterprise/control/agent.php#webspace/get',
    ]);
    for (const span of upstream) expect(span.parentSpanId).toBe(server.spanId);
  });

  it("a mutation's ownership check and change are children of the operation span", async () => {
    const spans = await traced(async (stack) => {
      const res = await stack.gql(`mutation Rename { updatePackageExternalId(input: { id: "${WIX_DEMO.packageId}", externalId: "traced-ext" }) { __typename } }`);
      expect(res.body.data.updatePackageExternalId.__typename).toBe('UpdatePackageExternalIdSuccess');
    });
    const { server, upstream } = operation(spans, 'Rename');
    expect(upstream.map((span) => span.name)).toEqual([
      'wix GET /resellers/v1/packages/{id}',
      'wix PATCH /resellers/v1/packages/update/{packageId}/{externalId}',
    ]);
    for (const span of upstream) expect(span.parentSpanId).toBe(server.spanId);
  });
});

describe('an incoming traceparent', () => {
  it("a valid one: the operation span joins the caller's trace, as a child of the caller's span", async () => {
    const spans = await traced(async (stack) => {
      await stack.gql(packageQuery('Joined'), undefined, { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` });
    });
    const { server, upstream } = operation(spans, 'Joined');
    expect(server.traceId).toBe(CALLER_TRACE);
    expect(server.parentSpanId).toBe(CALLER_SPAN);
    expect(server.spanId).not.toBe(CALLER_SPAN);
    expect(upstream).toHaveLength(1);
    expect(upstream[0]!.parentSpanId).toBe(server.spanId);
  });

  it("the caller's tracestate goes with its trace to the operation span and its upstream spans", async () => {
    const state = 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7';
    const spans = await traced(async (stack) => {
      await stack.gql(packageQuery('WithState'), undefined, { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01`, tracestate: state });
      await stack.gql(packageQuery('StateWithoutParent'), undefined, { tracestate: state });
      await stack.gql(packageQuery('BadState'), undefined, { traceparent: `00-${'ab'.repeat(16)}-${CALLER_SPAN}-01`, tracestate: 'not a list member' });
    });
    const joined = operation(spans, 'WithState');
    expect(joined.server.traceState).toBe(state);
    expect(joined.upstream.map((span) => span.traceState)).toEqual([state]);
    // Without a valid traceparent the state is ignored; a malformed one is dropped.
    for (const name of ['StateWithoutParent', 'BadState']) {
      const { server, upstream } = operation(spans, name);
      expect([server, ...upstream].map((span) => span.traceState)).toEqual([undefined, undefined]);
    }
  });

  it('an invalid one is ignored: the operation starts a new trace, its upstream call still its child', async () => {
    const invalid = {
      ZeroTrace: `00-${'0'.repeat(32)}-${CALLER_SPAN}-01`,
      ZeroSpan: `00-${CALLER_TRACE}-${'0'.repeat(16)}-01`,
      Uppercase: `00-${CALLER_TRACE.toUpperCase()}-${CALLER_SPAN}-01`,
      Version: `ff-${CALLER_TRACE}-${CALLER_SPAN}-01`,
      Short: `00-${CALLER_TRACE.slice(1)}-${CALLER_SPAN}-01`,
      Garbage: 'not a traceparent',
    };
    const spans = await traced(async (stack) => {
      for (const [name, traceparent] of Object.entries(invalid)) await stack.gql(packageQuery(name), undefined, { traceparent });
    });
    for (const name of Object.keys(invalid)) {
      const { server, upstream } = operation(spans, name);
      expect(server.traceId).not.toBe(CALLER_TRACE);
      expect(server.traceId).toMatch(/^(?!0{32})[0-9a-f]{32}$/);
      expect(server.parentSpanId).toBeUndefined();
      expect(upstream).toHaveLength(1);
      expect(upstream[0]!.parentSpanId).toBe(server.spanId);
    }
  });

  it("a caller's unsampled trace: no span of that operation is exported", async () => {
    const unsampledTrace = 'aaaabbbbccccddddeeeeffff00001111';
    const spans = await traced(async (stack) => {
      await stack.gql(packageQuery('Unsampled'), undefined, { traceparent: `00-${unsampledTrace}-${CALLER_SPAN}-00` });
      await stack.gql(packageQuery('Sampled'), undefined, { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` });
    });
    expect(operation(spans, 'Sampled').upstream).toHaveLength(1);
    expect(spans.filter((span) => span.traceId === unsampledTrace || span.name === 'Unsampled')).toEqual([]);
  });
});

describe('sampling', () => {
  /** Each operation here makes one upstream call: its span is exported exactly when the operation's is. */
  function expectWholeTraces(spans: ExportedSpan[], operations: number) {
    const servers = spans.filter((span) => span.kind === SPAN_KIND.SERVER);
    const clients = spans.filter((span) => span.kind === SPAN_KIND.CLIENT);
    const serverIds = new Set(servers.map((span) => span.spanId));
    expect(clients.filter((span) => !serverIds.has(span.parentSpanId!))).toEqual([]);
    expect(clients).toHaveLength(servers.length);
    // 0.5 of 40 new traces: neither none nor all, but for a chance of 2 in 10^12.
    expect(servers.length).toBeGreaterThan(0);
    expect(servers.length).toBeLessThan(operations);
  }

  for (const name of ['parentbased_traceidratio', 'traceidratio'] as const) {
    it(`${name}: an operation is exported with its upstream call or not at all`, async () => {
      const spans = await traced(async (stack) => {
        for (let k = 0; k < 40; k++) await stack.gql(packageQuery(`Ratio${k}`));
      }, { name, ratio: 0.5 });
      expectWholeTraces(spans, 40);
    });
  }

  it("parentbased_always_off: only a sampled caller's trace is exported, whole", async () => {
    const spans = await traced(async (stack) => {
      await stack.gql(packageQuery('NewTrace'));
      await stack.gql(packageQuery('Sampled'), undefined, { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` });
    }, { name: 'parentbased_always_off' });
    const { server, upstream } = operation(spans, 'Sampled');
    expect(upstream).toHaveLength(1);
    expect(upstream[0]!.parentSpanId).toBe(server.spanId);
    expect(spans).toHaveLength(2);
  });
});
