/**
 * The callers file (`GATEWAY_CALLERS_FILE`): the services allowed to call the gateway, each with the
 * sha-256 of its token, its roles and the accounts/servers it may act on. It never holds a token.
 *
 *   {"callers": [{"name": "support-ui", "tokenSha256": "<64 lower-case hex>", "roles": ["operator"],
 *                 "wixAccounts": ["<GUID>"], "pleskServers": ["*"]}]}
 *
 * Loaded once at boot; any problem stops the gateway. Every problem is reported at once as
 * `<file>: <JSON path>: <what is wrong>`. Messages never quote a value from the file except a
 * caller's name (a token pasted by mistake must not end up in a boot log).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { CALLER_NAME_PATTERN, ROLES, SHA256_HEX_PATTERN, checkScope, type Role, type Scope, type StaticCaller } from './caller.js';
import { TOKEN_PREFIX, looksLikeJwt } from './token.js';

export type CallersFileResult = { ok: true; callers: StaticCaller[] } | { ok: false; problems: string[] };

const ENTRY_KEYS = ['name', 'tokenSha256', 'roles', 'wixAccounts', 'pleskServers'] as const;

const requiredOr = (message: string) => (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : message);

const nameSchema = z
  .string({ error: requiredOr('must be a string') })
  .regex(CALLER_NAME_PATTERN, 'must be 1-128 characters (letters, digits, ".", "_", "@", "-"), starting with a letter or digit');

const tokenSha256Schema = z.string({ error: requiredOr('must be a string') }).superRefine((value, ctx) => {
  if (SHA256_HEX_PATTERN.test(value)) return;
  let message = 'must be the sha-256 of the token as 64 lower-case hex digits';
  if (/^[0-9A-Fa-f]{64}$/.test(value)) message = 'must be lower-case hex';
  else if (value.startsWith(TOKEN_PREFIX) || looksLikeJwt(value)) {
    message = 'holds a token, not its sha-256: the file must never hold a token (treat this one as leaked; `npm run token` makes a new one and prints the line to add)';
  }
  ctx.addIssue({ code: 'custom', message });
});

const rolesSchema = z
  .array(z.enum(ROLES, { error: `must be one of ${ROLES.join(', ')}` }), { error: requiredOr('must be an array of roles') })
  .min(1, `must list at least one role (${ROLES.join(', ')})`)
  .transform((roles): Role[] => [...new Set(roles)]);

const scopeSchema = (kind: 'wixAccount' | 'pleskServer') =>
  z
    .unknown()
    .transform((value, ctx): Scope => {
      const checked = checkScope(value, kind);
      if (checked.ok) return checked.scope;
      ctx.addIssue({ code: 'custom', message: checked.problem, path: checked.index === undefined ? [] : [checked.index] });
      return z.NEVER;
    })
    .optional();

/** One entry; `wixAccounts` / `pleskServers` default to none. The token script validates with it too. */
export const callerEntrySchema = z
  .strictObject(
    {
      name: nameSchema,
      tokenSha256: tokenSha256Schema,
      roles: rolesSchema,
      wixAccounts: scopeSchema('wixAccount'),
      pleskServers: scopeSchema('pleskServer'),
    },
    { error: requiredOr('must be an object') },
  )
  .transform(
    (entry): StaticCaller => ({
      name: entry.name,
      tokenSha256: entry.tokenSha256,
      roles: entry.roles,
      wixAccounts: entry.wixAccounts ?? [],
      pleskServers: entry.pleskServers ?? [],
    }),
  );

const fileSchema = z.strictObject(
  { callers: z.array(callerEntrySchema, { error: requiredOr('must be an array of callers') }) },
  { error: () => 'must be an object with a "callers" array' },
);

/** The file form of an entry (`'*'` is written `["*"]`), e.g. for the token script to print. */
export function toCallersFileEntry(caller: StaticCaller): Record<(typeof ENTRY_KEYS)[number], unknown> {
  return {
    name: caller.name,
    tokenSha256: caller.tokenSha256,
    roles: [...caller.roles],
    wixAccounts: caller.wixAccounts === '*' ? ['*'] : [...caller.wixAccounts],
    pleskServers: caller.pleskServers === '*' ? ['*'] : [...caller.pleskServers],
  };
}

/** `['callers', 2, 'roles', 0]` → `$.callers[2].roles[0]`. */
export function formatJsonPath(path: readonly PropertyKey[]): string {
  let out = '$';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_$][\w$]*$/.test(segment)) out += `.${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

function issueProblems(issue: z.core.$ZodIssue): Array<{ path: PropertyKey[]; message: string }> {
  if (issue.code === 'unrecognized_keys') {
    const allowed = issue.path.length === 0 ? 'callers' : ENTRY_KEYS.join(', ');
    return issue.keys.map((key) => ({ path: [...issue.path, key], message: `unknown key (allowed: ${allowed})` }));
  }
  return [{ path: issue.path, message: issue.message }];
}

/** Duplicate names (case-insensitive) and duplicate hashes, checked on the raw entries. */
function duplicateProblems(data: unknown): Array<{ path: PropertyKey[]; message: string }> {
  const problems: Array<{ path: PropertyKey[]; message: string }> = [];
  if (typeof data !== 'object' || data === null || !('callers' in data) || !Array.isArray(data.callers)) return problems;
  const names = new Map<string, number>();
  const hashes = new Map<string, number>();
  for (const [index, entry] of (data.callers as unknown[]).entries()) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { name, tokenSha256 } = entry as Record<string, unknown>;
    if (typeof name === 'string' && CALLER_NAME_PATTERN.test(name)) {
      const first = names.get(name.toLowerCase());
      if (first === undefined) names.set(name.toLowerCase(), index);
      else problems.push({ path: ['callers', index, 'name'], message: `duplicate name ${JSON.stringify(name)} (also at ${formatJsonPath(['callers', first, 'name'])})` });
    }
    if (typeof tokenSha256 === 'string' && SHA256_HEX_PATTERN.test(tokenSha256)) {
      const first = hashes.get(tokenSha256);
      if (first === undefined) hashes.set(tokenSha256, index);
      else problems.push({ path: ['callers', index, 'tokenSha256'], message: `duplicate hash (same as ${formatJsonPath(['callers', first, 'tokenSha256'])}): every caller needs its own token` });
    }
  }
  return problems;
}

/** JSON.parse's message can quote the text around the error: keep only where it is. */
function jsonSyntaxProblem(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  const position = /at position (\d+)/.exec(message);
  if (position?.[1] !== undefined) {
    const offset = Number(position[1]);
    const before = text.slice(0, offset).split('\n');
    return `is not valid JSON (syntax error at line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1})`;
  }
  if (/end of JSON input/i.test(message)) return 'is not valid JSON (unexpected end of input)';
  const unexpected = /^Unexpected token '(.)'/u.exec(message);
  if (unexpected?.[1] !== undefined && /[\[\]{}:,"]/.test(unexpected[1])) return `is not valid JSON (unexpected ${JSON.stringify(unexpected[1])})`;
  return 'is not valid JSON';
}

/** Validates the text of a callers file; `source` (the file path) prefixes every problem. */
export function parseCallersFile(text: string, source: string): CallersFileResult {
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    return { ok: false, problems: [`${source}: ${jsonSyntaxProblem(text, error)}`] };
  }
  const parsed = fileSchema.safeParse(data);
  const problems = [...(parsed.success ? [] : parsed.error.issues.flatMap(issueProblems)), ...duplicateProblems(data)];
  if (problems.length > 0 || !parsed.success) {
    return { ok: false, problems: problems.map((problem) => `${source}: ${formatJsonPath(problem.path)}: ${problem.message}`) };
  }
  return { ok: true, callers: parsed.data.callers };
}

/** Reads and validates the callers file (synchronously: it runs once, at boot, with the rest of the config). */
export function loadCallersFile(filePath: string): CallersFileResult {
  let text: string;
  try {
    text = readFileSync(filePath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (code ?? 'read failed');
    return { ok: false, problems: [`${filePath}: cannot be read (${why})`] };
  }
  return parseCallersFile(text, filePath);
}
