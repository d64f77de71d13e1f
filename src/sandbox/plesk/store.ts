/**
 * In-memory state of the Plesk sandbox: users, service plans, add-on plans and subscriptions, each subscription
 * with one main plan (or none: custom) and a list of add-on GUIDs (plesk-xml-api.md §4.7, §10.7).
 */
import { BACKUP_DETACH_PROBLEMS, PLESK_DEMO } from './fixtures.js';

export interface SandboxUser {
  id: number;
  login: string;
  name: string;
  guid: string;
  externalId: string;
}

export interface SandboxPlan {
  kind: 'service' | 'addon';
  id: number;
  guid: string;
  externalId: string;
  name: string;
  ownerId: number;
  ownerLogin: string;
  /** `problems` text answered when this add-on is detached (`{name}` = subscription name). */
  detachProblems?: string;
}

export interface SandboxSubscription {
  id: number;
  name: string;
  asciiName: string;
  guid: string;
  externalId: string;
  ownerId: number;
  createdDate: string;
  status: number;
  realSize: number;
  htype: string;
  vendorGuid: string;
  /** GUID of the main service plan; null = custom subscription. */
  servicePlanGuid: string | null;
  addonGuids: string[];
  locked: boolean;
  synchronized: boolean;
}

export type SubscriptionFilterKind = 'id' | 'owner-id' | 'name' | 'owner-login' | 'guid' | 'owner-guid' | 'external-id' | 'owner-external-id';
export type PlanFilterKind = 'id' | 'name' | 'guid' | 'external-id';

const sameText = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

export class PleskStore {
  users = new Map<number, SandboxUser>();
  plans: SandboxPlan[] = [];
  subscriptions: SandboxSubscription[] = [];

  constructor(private readonly seed: boolean) {
    this.reset();
  }

  reset(): void {
    this.users = new Map();
    this.plans = [];
    this.subscriptions = [];
    const admin = PLESK_DEMO.admin;
    this.users.set(Number(admin.id), { id: Number(admin.id), login: admin.login, name: 'Administrator', guid: admin.guid, externalId: '' });
    if (!this.seed) return;
    for (const c of Object.values(PLESK_DEMO.customers)) {
      this.users.set(Number(c.id), { id: Number(c.id), login: c.login, name: c.name, guid: c.guid, externalId: c.externalId });
    }
    for (const p of Object.values(PLESK_DEMO.servicePlans)) {
      this.plans.push({ kind: 'service', id: Number(p.id), guid: p.guid, externalId: p.externalId, name: p.name, ownerId: 1, ownerLogin: admin.login });
    }
    for (const [key, p] of Object.entries(PLESK_DEMO.addonPlans)) {
      this.plans.push({
        kind: 'addon',
        id: Number(p.id),
        guid: p.guid,
        externalId: p.externalId,
        name: p.name,
        ownerId: 1,
        ownerLogin: admin.login,
        ...(key === 'backup' ? { detachProblems: BACKUP_DETACH_PROBLEMS } : {}),
      });
    }
    for (const s of Object.values(PLESK_DEMO.subscriptions)) {
      this.subscriptions.push({
        id: Number(s.id),
        name: s.name,
        asciiName: s.asciiName,
        guid: s.guid,
        externalId: s.externalId,
        ownerId: Number(s.ownerId),
        createdDate: s.createdDate,
        status: Number(s.status),
        realSize: 0,
        htype: 'vrt_hst',
        vendorGuid: admin.guid,
        servicePlanGuid: PLESK_DEMO.servicePlans[s.servicePlan].guid,
        addonGuids: s.addons.map((a) => PLESK_DEMO.addonPlans[a].guid),
        locked: false,
        synchronized: true,
      });
    }
  }

  owner(subscription: SandboxSubscription): SandboxUser | undefined {
    return this.users.get(subscription.ownerId);
  }

  /** Subscriptions one filter value matches (several for owner filters). */
  findSubscriptions(kind: SubscriptionFilterKind, value: string): SandboxSubscription[] {
    return this.subscriptions.filter((s) => {
      const owner = this.owner(s);
      switch (kind) {
        case 'id':
          return Number(value) === s.id;
        case 'name':
          // Unicode name; the punycode form matches too (undocumented in Plesk, lenient here).
          return sameText(s.name, value) || sameText(s.asciiName, value);
        case 'guid':
          return sameText(s.guid, value);
        case 'external-id':
          return s.externalId === value;
        case 'owner-id':
          return Number(value) === s.ownerId;
        case 'owner-login':
          return owner?.login === value;
        case 'owner-guid':
          return owner !== undefined && sameText(owner.guid, value);
        case 'owner-external-id':
          return owner !== undefined && owner.externalId !== '' && owner.externalId === value;
      }
    });
  }

  findPlans(kind: 'service' | 'addon', filterKind: PlanFilterKind, value: string, inScope: (p: SandboxPlan) => boolean): SandboxPlan[] {
    return this.plans.filter((p) => {
      if (p.kind !== kind || !inScope(p)) return false;
      switch (filterKind) {
        case 'id':
          return Number(value) === p.id;
        case 'name':
          return p.name === value;
        case 'guid':
          return sameText(p.guid, value);
        case 'external-id':
          return p.externalId === value;
      }
    });
  }

  /** A plan of any kind named by GUID or external ID (what `plan-guid` / `plan-external-id` refer to). */
  planByRef(ref: { guid?: string; externalId?: string }): SandboxPlan | undefined {
    if (ref.guid !== undefined) return this.plans.find((p) => sameText(p.guid, ref.guid!));
    if (ref.externalId !== undefined) return this.plans.find((p) => p.externalId !== '' && p.externalId === ref.externalId);
    return undefined;
  }

  planByGuid(guid: string): SandboxPlan | undefined {
    return this.plans.find((p) => sameText(p.guid, guid));
  }

  /** A JSON-friendly copy of the state, for `GET /__sandbox/state`. */
  snapshot(): { users: SandboxUser[]; plans: SandboxPlan[]; subscriptions: SandboxSubscription[] } {
    return structuredClone({ users: [...this.users.values()], plans: this.plans, subscriptions: this.subscriptions });
  }
}
