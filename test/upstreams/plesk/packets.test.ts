// Packet building: element order, escaping, pinned version, refusals (plesk-xml-api.md §3, §4, §7.12).
import { describe, expect, it } from 'vitest';
import { PleskRequestError } from '../../../src/upstreams/plesk/errors.js';
import { getProtosPacket, planChangePacket, planGetPacket, webspaceGetPacket, webspaceOfOwnerPacket } from '../../../src/upstreams/plesk/packets.js';
import type { PlanRef, SubscriptionRef } from '../../../src/upstreams/plesk/types.js';

const ADDON = '5f1b4c6e-0a8e-4d0b-9a57-0c1d2e3f4a5b';
const PLAN = 'a6f0c1d2-3e4f-4a5b-8c7d-9e0f1a2b3c4d';
const DECL = '<?xml version="1.0" encoding="UTF-8"?>';

/** Removes whitespace between elements, like the reference's one-line-per-element samples. */
const compact = (xml: string): string => xml.replace(/>\s+</g, '><').trim();

function refusal(fn: () => unknown): PleskRequestError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(PleskRequestError);
    return error as PleskRequestError;
  }
  throw new Error('expected a PleskRequestError');
}

describe('the reference samples are reproduced byte for byte', () => {
  it('§7.2 remove-subscription: filter first, then plan-guid, version pinned', () => {
    const sample = `${DECL}
<packet version="1.6.9.1">
  <webspace>
    <remove-subscription>
      <filter><id>42</id></filter>
      <plan-guid>${ADDON}</plan-guid>
    </remove-subscription>
  </webspace>
</packet>`;
    expect(planChangePacket('remove-subscription', { kind: 'id', value: '42' }, { guid: ADDON }, '1.6.9.1')).toBe(compact(sample));
  });

  it('§7.9 webspace get: filter, then dataset with gen_info before subscriptions (no version)', () => {
    const sample = `<packet>
  <webspace>
    <get>
      <filter><id>42</id></filter>
      <dataset><gen_info/><subscriptions/></dataset>
    </get>
  </webspace>
</packet>`;
    expect(webspaceGetPacket({ kind: 'id', values: ['42'] }, ['subscriptions', 'gen_info'], null)).toBe(DECL + compact(sample));
  });

  it('§7.10 service-plan get with a multi-GUID filter, and the add-on plan get', () => {
    expect(planGetPacket('service-plan', { kind: 'guid', values: [PLAN, ADDON] }, undefined, '1.6.9.1')).toBe(
      `${DECL}<packet version="1.6.9.1"><service-plan><get><filter><guid>${PLAN}</guid><guid>${ADDON}</guid></filter></get></service-plan></packet>`,
    );
    expect(planGetPacket('service-plan-addon', { kind: 'guid', values: [ADDON] }, undefined, '1.6.9.1')).toBe(
      `${DECL}<packet version="1.6.9.1"><service-plan-addon><get><filter><guid>${ADDON}</guid></filter></get></service-plan-addon></packet>`,
    );
  });

  it('§3 the owner branches of the webspace filter, one value each', () => {
    const filterOf = (packet: string) => /<filter>(.*)<\/filter>/.exec(packet)?.[1];
    expect(filterOf(webspaceOfOwnerPacket({ kind: 'login', value: 'bob&co' }, ['gen_info'], null))).toBe('<owner-login>bob&amp;co</owner-login>');
    expect(filterOf(webspaceOfOwnerPacket({ kind: 'id', value: '7' }, ['gen_info'], null))).toBe('<owner-id>7</owner-id>');
    expect(filterOf(webspaceOfOwnerPacket({ kind: 'guid', value: PLAN }, ['gen_info'], null))).toBe(`<owner-guid>${PLAN}</owner-guid>`);
    expect(filterOf(webspaceOfOwnerPacket({ kind: 'externalId', value: 'cust-7' }, ['gen_info'], null))).toBe('<owner-external-id>cust-7</owner-external-id>');
    expect(refusal(() => webspaceOfOwnerPacket({ kind: 'id', value: '0' }, ['gen_info'], null)).reason).toBe('invalid-value');
    expect(refusal(() => webspaceOfOwnerPacket({ kind: 'login', value: ' alice' }, ['gen_info'], null)).reason).toBe('invalid-value');
  });

  it('§5 multi-value filter and plan-external-id', () => {
    const packet = webspaceGetPacket({ kind: 'name', values: ['shop.example.net', 'missing.example.org'] }, ['gen_info'], '1.6.9.1');
    expect(packet).toContain('<filter><name>shop.example.net</name><name>missing.example.org</name></filter><dataset><gen_info/></dataset>');
    expect(planChangePacket('remove-subscription', { kind: 'name', value: 'shop.example.net' }, { externalId: 'addon-backup-10g' }, '1.6.9.1')).toContain(
      '<remove-subscription><filter><name>shop.example.net</name></filter><plan-external-id>addon-backup-10g</plan-external-id></remove-subscription>',
    );
  });

  it('§7.11 switch-subscription with no-plan; add-subscription', () => {
    expect(planChangePacket('switch-subscription', { kind: 'id', value: '42' }, { noPlan: true }, '1.6.9.1')).toBe(
      `${DECL}<packet version="1.6.9.1"><webspace><switch-subscription><filter><id>42</id></filter><no-plan/></switch-subscription></webspace></packet>`,
    );
    expect(planChangePacket('add-subscription', { kind: 'id', value: '42' }, { guid: ADDON }, '1.6.9.1')).toBe(
      `${DECL}<packet version="1.6.9.1"><webspace><add-subscription><filter><id>42</id></filter><plan-guid>${ADDON}</plan-guid></add-subscription></webspace></packet>`,
    );
  });

  it('get_protos never carries a version', () => {
    expect(getProtosPacket()).toBe(`${DECL}<packet><server><get_protos/></server></packet>`);
  });

  it('the version is configurable', () => {
    expect(webspaceGetPacket({ kind: 'id', values: ['1'] }, ['gen_info'], '1.6.3.0')).toContain('<packet version="1.6.3.0">');
  });

  it('owner scope comes after the filter', () => {
    expect(planGetPacket('service-plan', null, 'all', '1.6.9.1')).toContain('<get><filter/><owner-all/></get>');
    expect(planGetPacket('service-plan-addon', null, { ownerLogin: 'res&1' }, '1.6.9.1')).toContain('<get><filter/><owner-login>res&amp;1</owner-login></get>');
    expect(planGetPacket('service-plan-addon', { kind: 'externalId', values: ['x'] }, { ownerId: '5' }, null)).toContain(
      '<get><filter><external-id>x</external-id></filter><owner-id>5</owner-id></get>',
    );
  });
});

describe('escaping', () => {
  it('escapes &, <, > and quotes in every value; an injection attempt stays text', () => {
    const packet = webspaceGetPacket(
      { kind: 'externalId', values: [`a&b<c>"d'`, '</external-id></filter><remove-subscription>', 'x]]>y'] },
      ['gen_info'],
      '1.6.9.1',
    );
    expect(packet).toContain('<external-id>a&amp;b&lt;c&gt;&quot;d&apos;</external-id>');
    expect(packet).toContain('<external-id>&lt;/external-id&gt;&lt;/filter&gt;&lt;remove-subscription&gt;</external-id>');
    expect(packet).toContain('<external-id>x]]&gt;y</external-id>');
    expect(packet.match(/<remove-subscription>/g)).toBeNull();
  });

  it('escapes plan references and names', () => {
    expect(planChangePacket('add-subscription', { kind: 'name', value: 'shop&co.example.com' }, { externalId: 'a<b>"c"' }, '1.6.9.1')).toContain(
      '<filter><name>shop&amp;co.example.com</name></filter><plan-external-id>a&lt;b&gt;&quot;c&quot;</plan-external-id>',
    );
  });

  it('escapes the version attribute, which is validated anyway', () => {
    expect(webspaceGetPacket({ kind: 'id', values: ['1'] }, ['gen_info'], '1.6"&')).toContain('version="1.6&quot;&amp;"');
  });
});

describe('refusals: nothing in §7.12 can be built', () => {
  const sub: SubscriptionRef = { kind: 'id', value: '42' };

  it('refuses a mutation with an empty filter', () => {
    for (const op of ['add-subscription', 'remove-subscription', 'switch-subscription'] as const) {
      expect(refusal(() => planChangePacket(op, { kind: 'id', value: '' }, { guid: ADDON }, '1.6.9.1')).reason).toBe('empty-filter');
      expect(refusal(() => planChangePacket(op, { kind: 'name' } as unknown as SubscriptionRef, { guid: ADDON }, '1.6.9.1')).reason).toBe('empty-filter');
      expect(refusal(() => planChangePacket(op, null as unknown as SubscriptionRef, { guid: ADDON }, '1.6.9.1')).reason).toBe('empty-filter');
    }
  });

  it('refuses both or neither of plan GUID and external ID', () => {
    const both = { guid: ADDON, externalId: 'x' } as unknown as PlanRef;
    expect(refusal(() => planChangePacket('remove-subscription', sub, both, '1.6.9.1')).reason).toBe('plan-reference');
    expect(refusal(() => planChangePacket('remove-subscription', sub, {} as PlanRef, '1.6.9.1')).reason).toBe('plan-reference');
    expect(refusal(() => planChangePacket('add-subscription', sub, { noPlan: true } as unknown as PlanRef, '1.6.9.1')).reason).toBe('plan-reference');
    expect(refusal(() => planChangePacket('switch-subscription', sub, { noPlan: true, guid: ADDON } as unknown as PlanRef, '1.6.9.1')).reason).toBe(
      'plan-reference',
    );
  });

  it('refuses a lookup without values (an empty filter would mean "everything")', () => {
    expect(refusal(() => webspaceGetPacket({ kind: 'id', values: [] }, ['gen_info'], '1.6.9.1')).reason).toBe('no-values');
    expect(refusal(() => planGetPacket('service-plan', { kind: 'guid', values: [] }, undefined, '1.6.9.1')).reason).toBe('no-values');
  });

  it('refuses values that are empty, malformed for their kind, padded or with control characters', () => {
    const bad: [SubscriptionRef['kind'], string][] = [
      ['id', '0'],
      ['id', '042'],
      ['id', '4 2'],
      ['id', '-1'],
      ['guid', 'not-a-guid'],
      ['name', ' shop.example.com'],
      ['name', 'shop\n.example.com'],
      ['name', 'a\u0000b'],
      ['externalId', ''],
      ['externalId', 'x'.repeat(2000)],
      ['name', 'n'.repeat(256)],
      ['externalId', '\ud800'],
    ];
    for (const [kind, value] of bad) {
      const error = refusal(() => webspaceGetPacket({ kind, values: [value] }, ['gen_info'], '1.6.9.1'));
      expect(error.reason, `${kind} ${JSON.stringify(value)}`).toBe('invalid-value');
      expect(error.field).toBe(`filter.${kind}.0`);
    }
  });

  it('refuses too many values and unknown kinds', () => {
    const values = Array.from({ length: 101 }, (_, i) => String(i + 1));
    expect(refusal(() => webspaceGetPacket({ kind: 'id', values }, ['gen_info'], '1.6.9.1')).reason).toBe('too-many-values');
    expect(refusal(() => webspaceGetPacket({ kind: 'owner-login' as 'id', values: ['x'] }, ['gen_info'], '1.6.9.1')).reason).toBe('invalid-value');
  });

  it('mixed filter kinds cannot be expressed: one kind per key', () => {
    const packet = webspaceGetPacket({ kind: 'guid', values: [ADDON, PLAN] }, ['gen_info'], '1.6.9.1');
    expect(packet.match(/<(id|name|external-id)>/g)).toBeNull();
  });
});
