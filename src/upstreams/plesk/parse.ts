/**
 * Safe reading of agent.php responses (plesk-xml-api.md §6, bad-inputs-and-faults.md §6.5, §7 H/I, §8.6):
 * 1. refuse any DOCTYPE / ENTITY declaration outright (no XXE, no entity expansion);
 * 2. refuse references to entities XML does not predefine, and character references to non-characters;
 * 3. `XMLValidator.validate` (fast-xml-parser's parser returns a partial object for truncated XML);
 * 4. parse with every value kept a string (`parseTagValue: false`), explicit entity and nesting limits;
 * 5. require a single `<packet>` root; then a `<system>` error or the operator's results.
 * Anything else is a `PleskResponseError`; a packet-level error is a `PleskApiError` with layer `system`.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { PleskApiError, PleskResponseError } from './errors.js';
import type { PleskOperationName } from './types.js';

const parser = new XMLParser({
  // Only `<packet version>` is read; every other attribute is dropped.
  ignoreAttributes: (name: string, jPath: unknown) => !(name === 'version' && jPath === 'packet'),
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  // Predefined entities are decoded; declared entities cannot occur (step 1). `htmlEntities` makes the decoder
  // handle numeric character references (`&#233;`) correctly; HTML-only names (`&nbsp;`) never get here (step 2).
  processEntities: { enabled: true, maxEntitySize: 1, maxEntityCount: 1, maxTotalExpansions: 1000, maxExpandedLength: 10_000 },
  htmlEntities: true,
  maxNestedTags: 32,
  strictReservedNames: true,
  isArray: (name: string) => name === 'result' || name === 'plan' || name === 'proto',
  ignoreDeclaration: true,
  ignorePiTags: true,
  commentPropName: false,
  cdataPropName: false,
});

const DECLARATION_RE = /<!\s*(DOCTYPE|ENTITY)/i;
const CDATA_OR_COMMENT_RE = /<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->/g;
const REFERENCE_RE = /&([^;&\s<]{0,12});?/g;

function isXmlChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

/** Only `&amp; &lt; &gt; &quot; &apos;` and character references to XML characters are allowed. */
function referencesAreValid(xml: string): boolean {
  const text = xml.replace(CDATA_OR_COMMENT_RE, '');
  for (const match of text.matchAll(REFERENCE_RE)) {
    const [whole, name = ''] = match;
    if (!whole.endsWith(';')) return false;
    if (name === 'amp' || name === 'lt' || name === 'gt' || name === 'quot' || name === 'apos') continue;
    const numeric = /^#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}))$/.exec(name);
    if (!numeric) return false;
    const cp = numeric[1] !== undefined ? parseInt(numeric[1], 16) : parseInt(numeric[2] ?? '', 10);
    if (!isXmlChar(cp)) return false;
  }
  return true;
}

/** A parsed `<packet>`: either a packet-level error or the operator elements. */
export interface ParsedPacket {
  version: string | undefined;
  system: SystemError | undefined;
  body: Record<string, unknown>;
}

export interface SystemError {
  errcode: number | null;
  errtext: string | undefined;
  output: string | undefined;
}

export type XmlObject = Record<string, unknown>;

export function isObject(value: unknown): value is XmlObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses an agent.php body. Throws `PleskResponseError` for anything that is not one well-formed, declaration-free
 * `<packet>` document.
 */
export function parsePacket(raw: string, operation?: PleskOperationName, httpStatus?: number): ParsedPacket {
  const fail = (reason: ConstructorParameters<typeof PleskResponseError>[0], cause?: unknown): never => {
    throw new PleskResponseError(reason, operation, httpStatus, undefined, cause === undefined ? undefined : { cause });
  };
  const xml = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  if (xml.trim() === '') return fail('empty');
  if (DECLARATION_RE.test(xml)) return fail('doctype');
  if (!referencesAreValid(xml)) return fail('malformed');
  const verdict = XMLValidator.validate(xml);
  if (verdict !== true) return fail('malformed', new Error(`${verdict.err.code} at line ${verdict.err.line}`));
  let doc: unknown;
  try {
    doc = parser.parse(xml);
  } catch (error) {
    return fail('malformed', error);
  }
  if (!isObject(doc)) return fail('unexpected-root');
  const roots = Object.keys(doc);
  if (roots.length !== 1 || roots[0] !== 'packet') return fail('unexpected-root');
  const packet = doc['packet'];
  // Several root elements named packet parse as an array.
  if (Array.isArray(packet)) return fail('unexpected-root');
  // `<packet/>` parses as '' (no operator at all).
  if (packet === '') return { version: undefined, system: undefined, body: {} };
  if (!isObject(packet)) return fail('unexpected-shape');
  const { ['@_version']: version, system, output, ...body } = packet;
  if (version !== undefined && typeof version !== 'string') return fail('unexpected-shape');
  if (system !== undefined) {
    if (!isObject(system)) return fail('unexpected-shape');
    const status = system['status'];
    if (status !== 'error') return fail('unexpected-shape');
    return {
      version,
      system: {
        errcode: readErrcode(system['errcode'], operation, httpStatus),
        errtext: optionalText(system['errtext']),
        output: optionalText(output),
      },
      body: {},
    };
  }
  return { version, system: undefined, body };
}

function optionalText(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function readErrcode(value: unknown, operation: PleskOperationName | undefined, httpStatus: number | undefined): number | null {
  if (value === undefined) return null;
  if (typeof value !== 'string' || !/^\d{1,9}$/.test(value)) throw new PleskResponseError('unexpected-shape', operation, httpStatus);
  return Number(value);
}

/** One `<result>` of an operation, with the common `resultFilterType` fields read and checked. */
export interface RawResult {
  status: 'ok' | 'error';
  errcode: number | null;
  errtext: string | undefined;
  filterId: string | undefined;
  id: string | undefined;
  node: XmlObject;
}

/**
 * Returns the results of `operator/operation` in a parsed packet. A packet-level error becomes a `PleskApiError`
 * (layer `system`). Zero results is a valid answer (§4.3, §5): the caller decides what a missing value means.
 */
export function operationResults(packet: ParsedPacket, operation: PleskOperationName, httpStatus: number | undefined): RawResult[] {
  if (packet.system) {
    throw new PleskApiError({
      errcode: packet.system.errcode,
      layer: 'system',
      operation,
      httpStatus,
      errtext: packet.system.errtext,
      output: packet.system.output,
    });
  }
  const bad = (): never => {
    throw new PleskResponseError('unexpected-shape', operation, httpStatus);
  };
  const [operatorName, operationName] = operation.split('/') as [string, string];
  const operator = packet.body[operatorName];
  if (operator === undefined) return bad();
  // `<webspace><remove-subscription/></webspace>`: the operation element without results.
  if (operator === '' ) return bad();
  if (!isObject(operator)) return bad();
  const op = operator[operationName];
  if (op === undefined) return bad();
  if (op === '') return [];
  if (!isObject(op)) return bad();
  const results = op['result'];
  if (results === undefined) return [];
  if (!Array.isArray(results)) return bad();
  return results.map((node) => readResult(node, operation, httpStatus));
}

function readResult(node: unknown, operation: PleskOperationName, httpStatus: number | undefined): RawResult {
  const bad = (): never => {
    throw new PleskResponseError('unexpected-shape', operation, httpStatus);
  };
  if (!isObject(node)) return bad();
  const status = node['status'];
  if (status !== 'ok' && status !== 'error') return bad();
  const filterId = node['filter-id'];
  const id = node['id'];
  const errtext = node['errtext'];
  if (filterId !== undefined && typeof filterId !== 'string') return bad();
  if (id !== undefined && (typeof id !== 'string' || !/^\d{1,10}$/.test(id))) return bad();
  if (errtext !== undefined && typeof errtext !== 'string') return bad();
  return {
    status,
    errcode: readErrcode(node['errcode'], operation, httpStatus),
    errtext: errtext as string | undefined,
    filterId: filterId as string | undefined,
    id: id as string | undefined,
    node,
  };
}

/** The `PleskApiError` of an error result. */
export function resultError(result: RawResult, operation: PleskOperationName, httpStatus: number | undefined, filterValue?: string): PleskApiError {
  return new PleskApiError({
    errcode: result.errcode,
    layer: 'result',
    operation,
    filterValue: filterValue ?? result.filterId,
    resultId: result.id,
    httpStatus,
    errtext: result.errtext,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Field readers for the typed extractors in client.ts

export class ShapeReader {
  constructor(
    private readonly operation: PleskOperationName,
    private readonly httpStatus: number | undefined,
  ) {}

  fail(): never {
    throw new PleskResponseError('unexpected-shape', this.operation, this.httpStatus);
  }

  /** A required text child (may be empty). */
  text(node: XmlObject, name: string): string {
    const value = node[name];
    if (typeof value !== 'string') this.fail();
    return value as string;
  }

  /** An optional text child; absent → null. */
  optText(node: XmlObject, name: string): string | null {
    const value = node[name];
    if (value === undefined) return null;
    if (typeof value !== 'string') this.fail();
    return value as string;
  }

  /** A required element child (`<x/>` parses as '', which is returned as an empty object). */
  object(node: XmlObject, name: string): XmlObject {
    const value = this.optObject(node, name);
    if (value === null) this.fail();
    return value as XmlObject;
  }

  optObject(node: XmlObject, name: string): XmlObject | null {
    const value = node[name];
    if (value === undefined) return null;
    if (value === '') return {};
    if (!isObject(value)) this.fail();
    return value as XmlObject;
  }

  /** An array child declared in the parser's `isArray` (absent → []). */
  list(node: XmlObject, name: string): unknown[] {
    const value = node[name];
    if (value === undefined) return [];
    if (!Array.isArray(value)) this.fail();
    return value as unknown[];
  }

  /** Digits only (IDs). */
  digits(value: string | null): string | null {
    if (value === null) return null;
    if (!/^\d{1,10}$/.test(value)) this.fail();
    return value;
  }

  bool(value: string | null): boolean | null {
    if (value === null) return null;
    if (value === 'true') return true;
    if (value === 'false') return false;
    return this.fail();
  }
}
