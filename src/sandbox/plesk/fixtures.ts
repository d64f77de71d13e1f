/**
 * Deterministic demo data of the Plesk sandbox: two customers, four subscriptions with a main service plan each and
 * some add-ons, three service plans, three add-on plans. Ids, names and GUIDs never change, so the README, GraphiQL
 * examples and tests can name them. GUIDs of the reference's §7 samples are reused where they fit.
 */

export const PLESK_DEMO = {
  admin: { id: '1', login: 'admin', guid: '9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d' },
  customers: {
    alice: { id: '7', login: 'alice', name: 'Alice Martin', guid: '65c7f92b-5f0d-4c39-bda9-fffdcdc1b341', externalId: 'cust-alice' },
    /** Name with XML-special characters. */
    bob: { id: '8', login: 'bob', name: 'Bob & Partners <Bakery>', guid: '8f2adc8f-0d37-43c2-b9ed-3ca31f9c71c9', externalId: 'cust-bob' },
  },
  servicePlans: {
    unlimited: { id: '3', guid: 'a6f0c1d2-3e4f-4a5b-8c7d-9e0f1a2b3c4d', externalId: 'plan-unlimited', name: 'Unlimited' },
    starter: { id: '4', guid: 'ef785945-e57e-4521-bf8d-b77b01ed3628', externalId: 'plan-starter', name: 'Starter' },
    business: { id: '5', guid: '8635b30f-82dd-4099-a040-eb478a13699c', externalId: 'plan-business', name: 'Business & Co' },
  },
  addonPlans: {
    /** Detaching it answers `ok` with a `problems` table. */
    backup: { id: '11', guid: '5f1b4c6e-0a8e-4d0b-9a57-0c1d2e3f4a5b', externalId: 'addon-backup-10g', name: 'Backup 10 GB' },
    /** Name with `&`, `<`, `>`. */
    mailPro: { id: '12', guid: '81de0b4a-627f-418f-a4fc-cefa06ffd417', externalId: 'addon-mail-pro', name: 'Mail & Spam <Pro>' },
    /** Attached to nothing: the one to attach. Name with quotes. */
    ssl: { id: '13', guid: '0565d798-f931-49b9-ade4-c831ced8ee73', externalId: 'addon-ssl-premium', name: 'SSL "Premium" Certificate' },
  },
  subscriptions: {
    shop: {
      id: '42',
      name: 'shop.example.com',
      asciiName: 'shop.example.com',
      guid: '0d5e8a7c-1b2f-4c3d-9e8f-7a6b5c4d3e2f',
      externalId: 'billing-1001',
      owner: 'alice',
      ownerId: '7',
      createdDate: '2024-03-01',
      status: '0',
      servicePlan: 'unlimited',
      addons: ['backup', 'mailPro'],
    },
    blog: {
      id: '43',
      name: 'blog.example.com',
      asciiName: 'blog.example.com',
      guid: '360695fc-59e2-485c-a1c6-ff8a6b3cbe5b',
      /** Empty `<external-id/>`. */
      externalId: '',
      owner: 'alice',
      ownerId: '7',
      createdDate: '2024-05-17',
      status: '0',
      servicePlan: 'starter',
      addons: ['mailPro'],
    },
    bakery: {
      id: '44',
      name: 'bakery.example.net',
      asciiName: 'bakery.example.net',
      guid: '80911053-22e5-4b23-baa0-b1c0bd6e1290',
      /** External ID with `&` and `/`: filtering by it proves request-side escaping. */
      externalId: 'crm:bob&partners/44',
      owner: 'bob',
      ownerId: '8',
      createdDate: '2025-01-09',
      status: '0',
      servicePlan: 'business',
      addons: ['backup'],
    },
    cafe: {
      id: '45',
      /** IDN name; `ascii-name` is its punycode form. */
      name: 'café.example.org',
      asciiName: 'xn--caf-dma.example.org',
      guid: '2c548402-cfe8-402a-99a8-11b9b748b503',
      externalId: 'billing-1045',
      owner: 'bob',
      ownerId: '8',
      createdDate: '2025-06-30',
      /** 16 = disabled by the administrator. */
      status: '16',
      servicePlan: 'starter',
      addons: [],
    },
  },
  /** Detaching `backup` from `shop` succeeds with this `problems` text. */
  detachWithProblems: {
    subscriptionId: '42',
    addonGuid: '5f1b4c6e-0a8e-4d0b-9a57-0c1d2e3f4a5b',
    problems: 'Description Current Requested Allowed\nDisk space for backups (shop.example.com) 8.2 GB 0 GB 0 GB',
  },
  /** `ssl` can be attached to `shop`. */
  attachable: { subscriptionId: '42', addonGuid: '0565d798-f931-49b9-ade4-c831ced8ee73' },
  /** Values that match nothing. */
  missing: {
    subscriptionId: '9999',
    subscriptionName: 'missing.example.org',
    planGuid: 'af547074-7606-4760-8ac9-83299a2f6821',
  },
} as const;

export type DemoCustomerKey = keyof typeof PLESK_DEMO.customers;
export type DemoServicePlanKey = keyof typeof PLESK_DEMO.servicePlans;
export type DemoAddonPlanKey = keyof typeof PLESK_DEMO.addonPlans;

/** Problems table template for detaching the backup add-on (`{name}` = subscription name). */
export const BACKUP_DETACH_PROBLEMS = 'Description Current Requested Allowed\nDisk space for backups ({name}) 8.2 GB 0 GB 0 GB';

/** Protocol versions the sandbox serves by default, deliberately unsorted like the docs sample (§1.5). */
export const DEFAULT_SUPPORTED_VERSIONS: readonly string[] = [
  '1.6.9.1',
  '1.6.3.0',
  '1.6.9.0',
  '1.6.8.0',
  '1.6.3.5',
  '1.6.7.0',
  '1.6.6.0',
  '1.6.5.0',
  '1.6.3.4',
  '1.6.4.0',
];
