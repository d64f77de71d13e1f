/**
 * The operations GraphiQL opens with. In sandbox mode their variables name the demo data, so each
 * works as it stands; in live mode they show the shape with placeholders.
 */
import { PLESK_DEMO } from './sandbox/plesk/index.js';
import { WIX_DEMO } from './sandbox/wix/index.js';
import type { GraphiQLTab } from './server.js';

export interface ExampleIds {
  /** The package the cancel example cancels. */
  cancelPackageId: string;
  /** A page of rows by id. */
  rowPackageIds: string[];
  /** The instance the unassign example takes off its site: in another package than the cancel's. */
  unassignInstanceId: string;
  pleskSubscriptionName?: string;
  /** The login of a customer with subscriptions. */
  pleskOwnerLogin?: string;
}

/** The demo data the examples name when the gateway runs on its sandboxes (Plesk's only when that one is too). */
export function sandboxExampleIds(pleskSandbox: boolean): ExampleIds {
  return {
    // The tabs run in any order: the cancel must not take the unassign's instance with it.
    cancelPackageId: WIX_DEMO.mailboxPackageId,
    rowPackageIds: [WIX_DEMO.packageId, WIX_DEMO.mailboxPackageId, WIX_DEMO.floatingPackageId],
    unassignInstanceId: WIX_DEMO.assignedInstanceId,
    ...(pleskSandbox ? { pleskSubscriptionName: PLESK_DEMO.subscriptions.shop.name, pleskOwnerLogin: PLESK_DEMO.customers.alice.login } : {}),
  };
}

const LIST_PACKAGES = /* GraphQL */ `# An account's packages, newest first (accountId defaults to WIX_ACCOUNT_ID).
query ListPackages($first: Int, $after: String) {
  packages(first: $first, after: $after) {
    edges {
      node {
        id
        externalId
        createdDate
        productInstances {
          instanceId
          catalogProductId
          status
          siteId
          isFloating
          failure { code message }
        }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
`;

const ROWS_BY_ID = /* GraphQL */ `# Rows by id, in the order asked (null where there is none): one upstream call per 100 ids.
query Rows($ids: [ID!]!) {
  packagesById(ids: $ids) {
    id
    externalId
    productInstances { instanceId status siteId isFloating }
  }
}
`;

const CANCEL_PACKAGE = /* GraphQL */ `# Cancels every instance of a package. Expected failures come back as typed results.
mutation CancelPackage($id: ID!) {
  cancelPackage(input: { id: $id }) {
    __typename
    ... on CancelPackageSuccess {
      idempotencyKey
      package { id productInstances { instanceId status } }
    }
    ... on Error { code message }
  }
}
`;

const UNASSIGN = /* GraphQL */ `# Takes a product instance off its site: it becomes floating.
mutation Unassign($instanceId: ID!) {
  unassignProductInstanceFromSite(input: { instanceId: $instanceId }) {
    __typename
    ... on UnassignProductInstanceFromSiteSuccess {
      idempotencyKey
      package { id productInstances { instanceId siteId isFloating status } }
    }
    ... on Error { code message }
  }
}
`;

const PLESK_SUBSCRIPTION = /* GraphQL */ `# A Plesk subscription with its service plan and add-on plans, a customer's subscriptions, and the
# add-on plans on offer (server defaults to "default").
query PleskSubscription($name: String!, $owner: String!) {
  pleskSubscription(by: { name: $name }) {
    id
    name
    status
    servicePlan { name }
    addonPlans { guid externalId name }
  }
  pleskSubscriptions(owner: { login: $owner }) { id name }
  pleskAddonPlans { guid name }
}
`;

const ME = /* GraphQL */ `# Who this token calls as: its roles, and the accounts and servers it may act on (null: all).
query Me {
  me { name kind roles wixAccounts pleskServers }
}
`;

export function exampleTabs(ids: ExampleIds | undefined): GraphiQLTab[] {
  const packageId = ids?.cancelPackageId ?? '<package id>';
  const instanceId = ids?.unassignInstanceId ?? '<product instance id>';
  return [
    { query: LIST_PACKAGES, variables: JSON.stringify({ first: 10 }, null, 2) },
    { query: ROWS_BY_ID, variables: JSON.stringify({ ids: ids?.rowPackageIds ?? ['<package id>', '<another package id>'] }, null, 2) },
    { query: CANCEL_PACKAGE, variables: JSON.stringify({ id: packageId }, null, 2) },
    { query: UNASSIGN, variables: JSON.stringify({ instanceId }, null, 2) },
    {
      query: PLESK_SUBSCRIPTION,
      variables: JSON.stringify({ name: ids?.pleskSubscriptionName ?? '<subscription name>', owner: ids?.pleskOwnerLogin ?? '<customer login>' }, null, 2),
    },
    { query: ME },
  ];
}
