import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, WIX_DEMO, wixCalls, type Stack } from '../support/stack.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const READ = `query Package($id: ID!) { package(id: $id) { id } }`;
const CANCEL = `mutation Cancel($id: ID!) { cancelPackage(input: { id: $id }) { __typename } }`;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ gateway: { trustedDocuments: new Map([READ, CANCEL].map((doc) => [sha256(doc), doc])) } });
});
afterAll(() => stack.close());

/** A request in the APQ format: the document's hash, no document. */
function byHash(hash: string, variables: Record<string, unknown>, token = stack.tokens.admin) {
  return stack.fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ variables, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }),
  });
}

describe('trusted documents', () => {
  it('a trusted document sent by its hash runs, with its variables, under the caller’s role', async () => {
    const res = await byHash(sha256(READ), { id: WIX_DEMO.packageId });
    expect(JSON.parse(res.text)).toEqual({ data: { package: { id: WIX_DEMO.packageId } } });
    const viewer = await byHash(sha256(CANCEL), { id: WIX_DEMO.packageId }, stack.tokens.viewer);
    expect(JSON.parse(viewer.text).data.cancelPackage.__typename).toBe('PermissionDeniedError');
  });

  it('any other document is refused before it is parsed, with no upstream call', async () => {
    stack.wixSandbox.clearRequests();
    const text = await stack.gql(`{ packages(first: 100) { edges { node { id } } } }`);
    expect(text.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_ONLY');
    // Sending a trusted document's text is refused too: only hashes are taken.
    const listedText = await stack.gql(READ, { id: WIX_DEMO.packageId });
    expect(listedText.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_ONLY');
    const unknown = JSON.parse((await byHash(sha256('{ __typename }'), {})).text);
    expect(unknown.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    // The APQ extension without its version is not taken for one, and the error says what to send.
    const unversioned = await stack.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.tokens.admin}` },
      body: JSON.stringify({ variables: { id: WIX_DEMO.packageId }, extensions: { persistedQuery: { sha256Hash: sha256(READ) } } }),
    });
    expect(JSON.parse(unversioned.text).errors[0]).toMatchObject({ extensions: { code: 'PERSISTED_QUERY_ONLY' }, message: expect.stringContaining('{ version: 1, sha256Hash }') });
    expect(wixCalls(stack)).toEqual([]);
  });

  it('a hash sent with a document does not add the document to the list', async () => {
    const doc = `{ packages(first: 1) { edges { node { id } } } }`;
    const register = await stack.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.tokens.admin}` },
      body: JSON.stringify({ query: doc, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(doc) } } }),
    });
    expect(JSON.parse(register.text).errors[0].extensions.code).toBe('PERSISTED_QUERY_ONLY');
    expect(JSON.parse((await byHash(sha256(doc), {})).text).errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
  });

  it('still needs a credential', async () => {
    const res = await stack.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: sha256(READ) } }, variables: { id: WIX_DEMO.packageId } }),
    });
    expect(res.status).toBe(401);
  });
});
