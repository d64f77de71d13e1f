import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { schema } from '../../src/schema/index.js';
import { loadTrustedDocuments } from '../../src/security/trusted-documents.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const dir = mkdtempSync(join(tmpdir(), 'rgw-trusted-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(content: unknown): string {
  const path = join(dir, `${sha256(JSON.stringify(content)).slice(0, 8)}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('loadTrustedDocuments', () => {
  it('reads a manifest of documents by their SHA-256', () => {
    const doc = '{ me { name } }';
    const loaded = loadTrustedDocuments(file({ [sha256(doc)]: doc }), schema);
    expect(loaded).toEqual({ ok: true, documents: new Map([[sha256(doc), doc]]) });
  });

  it("reads Apollo's persisted query manifest too", () => {
    const doc = 'query Me { me { name } }';
    const manifest = { format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: sha256(doc), name: 'Me', type: 'query', body: doc }] };
    expect(loadTrustedDocuments(file(manifest), schema)).toEqual({ ok: true, documents: new Map([[sha256(doc), doc]]) });
    const broken = { format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: 'x', body: doc }] };
    expect(loadTrustedDocuments(file(broken), schema)).toMatchObject({ ok: false, problems: [expect.stringContaining('the key must be a SHA-256')] });
  });

  it('reports every bad entry at once: a key that is not a hash or not its document’s, a document that does not parse or validate', () => {
    const good = '{ me { name } }';
    const loaded = loadTrustedDocuments(
      file({
        'not-a-hash': good,
        [sha256('something else')]: good,
        [sha256('{ me { ')]: '{ me { ',
        [sha256('{ me { shoeSize } }')]: '{ me { shoeSize } }',
        [sha256(good)]: good,
      }),
      schema,
    );
    expect(loaded.ok).toBe(false);
    const problems = loaded.ok ? [] : loaded.problems;
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/the key must be a SHA-256/);
    expect(problems.join('\n')).toMatch(/the key is not the SHA-256 of its document/);
    expect(problems.join('\n')).toMatch(/Syntax Error/);
    expect(problems.join('\n')).toMatch(/Cannot query field "shoeSize"/);
  });

  it('refuses a file that is missing, not JSON, or not an object', () => {
    expect(loadTrustedDocuments(join(dir, 'missing.json'), schema)).toMatchObject({ ok: false, problems: [expect.stringContaining('ENOENT')] });
    expect(loadTrustedDocuments(file('{ nope'), schema)).toMatchObject({ ok: false, problems: [expect.stringContaining('not JSON')] });
    expect(loadTrustedDocuments(file(['{ me { name } }']), schema)).toMatchObject({ ok: false, problems: [expect.stringContaining('must be a JSON object')] });
  });
});
