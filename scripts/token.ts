/**
 * npm run token -- --name NAME --role ROLE [--role ROLE2] [--wix-account GUID ...|--wix-account '*']
 *                  [--plesk-server NAME ...|--plesk-server '*']
 *
 * Prints a new random service token (stdout, line 1) and the entry to add to the "callers" array of
 * GATEWAY_CALLERS_FILE (stdout, line 2, one JSON object). Hints go to stderr. The token is shown only
 * here: the file holds its sha-256.
 */
import { parseArgs } from 'node:util';
import { callerEntrySchema, formatJsonPath, toCallersFileEntry } from '../src/auth/callers-file.js';
import { generateToken, hashToken } from '../src/auth/token.js';

const USAGE = `usage: npm run token -- --name NAME --role ROLE [--role ROLE2]
                       [--wix-account GUID ... | --wix-account '*']
                       [--plesk-server NAME ... | --plesk-server '*']
roles: viewer, operator, admin (admin ⊃ operator ⊃ viewer)`;

function fail(message: string): never {
  process.stderr.write(`token: ${message}\n${USAGE}\n`);
  process.exit(2);
}

let values: { name?: string; role?: string[]; 'wix-account'?: string[]; 'plesk-server'?: string[]; help?: boolean };
try {
  ({ values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      name: { type: 'string' },
      role: { type: 'string', multiple: true },
      'wix-account': { type: 'string', multiple: true },
      'plesk-server': { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  }));
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}

if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if (values.name === undefined) fail('--name is required');
if (values.role === undefined) fail('at least one --role is required');

const token = generateToken();
const raw = {
  name: values.name,
  tokenSha256: hashToken(token),
  roles: values.role,
  wixAccounts: values['wix-account'] ?? [],
  pleskServers: values['plesk-server'] ?? [],
};

// The same rules as the gateway's loader, so the printed line is accepted as it stands.
const parsed = callerEntrySchema.safeParse(raw);
if (!parsed.success) {
  const option: Record<string, string> = { name: '--name', roles: '--role', wixAccounts: '--wix-account', pleskServers: '--plesk-server' };
  fail(
    parsed.error.issues
      .map((issue) => {
        const [key, ...rest] = issue.path;
        const nth = typeof rest[0] === 'number' ? ` (value #${rest[0] + 1})` : '';
        const where = typeof key === 'string' && option[key] ? `${option[key]}${nth}` : formatJsonPath(issue.path);
        return `${where}: ${issue.message}`;
      })
      .join('\n'),
  );
}

const entry = toCallersFileEntry(parsed.data);
process.stderr.write('New token (give it to the service through its secret store; it is not shown again):\n');
process.stdout.write(`${token}\n`);
process.stderr.write(`Add this entry to the "callers" array of GATEWAY_CALLERS_FILE, then restart the gateway:\n`);
process.stdout.write(`${JSON.stringify(entry)}\n`);
