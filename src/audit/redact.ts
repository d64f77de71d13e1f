/**
 * Second line of defence: the resolvers should never hand secrets to the audit store, but if one
 * does, any value under a secret-looking key is replaced before the input is stored.
 */

export const REDACTED = '[REDACTED]';

/** Always secret when the key contains them (case-insensitive, any position). */
const SECRET_FRAGMENTS = ['password', 'passwd', 'secret', 'token', 'authorization', 'credential'];
/** Secret as a whole word of the key (`apiKey`, `api_key`, `x-api-key`, `keys`), not `keyword`/`monkey`. */
const SECRET_WORDS = new Set(['key', 'keys']);
/** Secret as the whole key once separators are dropped (`APIKEY`, `privatekey`). */
const SECRET_NAMES = new Set(['apikey', 'privatekey', 'accesskey', 'sshkey', 'signingkey']);
/** Looks secret but is not: the idempotency key is part of what the audit must show. */
const ALLOWED_NAMES = new Set(['idempotencykey']);

/** Whether a property name looks like it holds a secret. */
export function isSecretKey(name: string): boolean {
  const lower = name.toLowerCase();
  const compact = lower.replace(/[^a-z0-9]/g, '');
  if (ALLOWED_NAMES.has(compact)) return false;
  if (SECRET_FRAGMENTS.some((fragment) => compact.includes(fragment))) return true;
  if (SECRET_NAMES.has(compact)) return true;
  // Words: split camelCase / PascalCase first, then on anything that is not a letter or digit.
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/);
  return words.some((word) => SECRET_WORDS.has(word));
}

/**
 * A JSON-safe deep copy of `value` with secret-looking keys redacted at any depth (objects inside
 * arrays included). Never throws: values JSON cannot hold become strings or are dropped as
 * `JSON.stringify` would drop them, and a cycle becomes `'[Circular]'`.
 */
export function redact(value: unknown): unknown {
  return copy(value, new Set());
}

function copy(value: unknown, ancestors: Set<object>): unknown {
  if (value === null) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  const object = value as object & { toJSON?: unknown };
  if (typeof object.toJSON === 'function') {
    // Dates and their kin; guard against a toJSON that returns itself.
    const json: unknown = (object.toJSON as () => unknown).call(object);
    return json === object ? String(object) : copy(json, ancestors);
  }
  if (ancestors.has(object)) return '[Circular]';
  ancestors.add(object);
  try {
    if (Array.isArray(object)) {
      return object.map((item) => {
        const copied = copy(item, ancestors);
        return copied === undefined ? null : copied;
      });
    }
    if (object instanceof Map) return copy(Object.fromEntries(object), ancestors);
    if (object instanceof Set) return copy([...object], ancestors);
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(object)) {
      if (isSecretKey(key)) {
        result[key] = REDACTED;
        continue;
      }
      const copied = copy(item, ancestors);
      if (copied !== undefined) result[key] = copied;
    }
    return result;
  } finally {
    ancestors.delete(object);
  }
}
