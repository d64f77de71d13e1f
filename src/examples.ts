/**
 * The operations GraphiQL opens with. In sandbox mode their variables name the demo data, so each
 * works as it stands; in live mode they show the shape with placeholders.
 */
import type { GraphiQLTab } from './server.js';

export interface ExampleIds {
  packageId: string;
  /** A page of rows by id. */
  rowPackageIds: string[];
  instanceId: string;
  pleskSubscriptionName?: string;
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

const PLESK_SUBSCRIPTION = /* GraphQL */ `# A Plesk subscription with its service plan and add-on plans (server defaults to "default").
query PleskSubscription($name: String!) {
  pleskSubscription(by: { name: $name }) {
    id
    name
    status
    servicePlan { name }
    addonPlans { guid externalId name }
  }
  pleskAddonPlans { guid name }
}
`;

export function exampleTabs(ids: ExampleIds | undefined): GraphiQLTab[] {
  const packageId = ids?.packageId ?? '<package id>';
  const instanceId = ids?.instanceId ?? '<product instance id>';
  return [
    { query: LIST_PACKAGES, variables: JSON.stringify({ first: 10 }, null, 2) },
    { query: ROWS_BY_ID, variables: JSON.stringify({ ids: ids?.rowPackageIds ?? ['<package id>', '<another package id>'] }, null, 2) },
    { query: CANCEL_PACKAGE, variables: JSON.stringify({ id: packageId }, null, 2) },
    { query: UNASSIGN, variables: JSON.stringify({ instanceId }, null, 2) },
    { query: PLESK_SUBSCRIPTION, variables: JSON.stringify({ name: ids?.pleskSubscriptionName ?? '<subscription name>' }, null, 2) },
  ];
}
