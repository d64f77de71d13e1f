/**
 * Reading and checking agent.php request packets, like Plesk's libxml2/XSD validation does (plesk-xml-api.md §6.4):
 * not well-formed, DOCTYPE/ENTITY, wrong element order, mixed filter kinds, bad `id_type` values and unknown
 * operators all become a packet-level 1014 whose text follows Plesk's "Parser error: Request is invalid. Error in
 * line N: <libxml2 message>" pattern. Only the operators and operations the sandbox implements are in its schema.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export interface XNode {
  name: string;
  attrs: Record<string, string>;
  children: XNode[];
  text: string;
  line: number;
}

/** A request that fails parsing or validation; the server answers `<system>` 1014 with `errtext`. */
export class PacketRejected extends Error {
  constructor(readonly errtext: string) {
    super(errtext);
  }
}

const CANNOT_PARSE = 'Parser error: Cannot parse the XML from the source specified';

const parser = new XMLParser({
  preserveOrder: true,
  captureMetaData: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: { enabled: true, maxEntitySize: 1, maxEntityCount: 1, maxTotalExpansions: 1000, maxExpandedLength: 10_000 },
  htmlEntities: true,
  maxNestedTags: 32,
  ignoreDeclaration: true,
  ignorePiTags: true,
});
const META = XMLParser.getMetaDataSymbol();

const ENTITY_REF_RE = /&(?!(?:amp|lt|gt|quot|apos|#\d{1,7}|#x[0-9a-fA-F]{1,6});)/;

/** Parses a request body into a tree; throws `PacketRejected` for anything not well-formed or with a DTD. */
export function readTree(raw: string): XNode {
  const xml = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  if (/<!\s*(DOCTYPE|ENTITY)/i.test(xml)) throw new PacketRejected(`${CANNOT_PARSE} (DTD is not allowed)`);
  const withoutCdata = xml.replace(/<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->/g, '');
  if (ENTITY_REF_RE.test(withoutCdata)) throw new PacketRejected(CANNOT_PARSE);
  if (xml.trim() === '' || XMLValidator.validate(xml) !== true) throw new PacketRejected(CANNOT_PARSE);
  let doc: unknown;
  try {
    doc = parser.parse(xml);
  } catch {
    throw new PacketRejected(CANNOT_PARSE);
  }
  const lineStarts = [0];
  for (let i = 0; i < xml.length; i += 1) if (xml.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const lineOf = (index: number | undefined): number => {
    if (index === undefined) return 1;
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] ?? 0) <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  if (!Array.isArray(doc)) throw new PacketRejected(CANNOT_PARSE);
  const roots = doc.filter((e) => typeof e === 'object' && e !== null && !('#text' in e)).map((e) => convert(e as Entry, lineOf));
  if (roots.length !== 1) throw new PacketRejected(CANNOT_PARSE);
  return roots[0]!;
}

type Entry = Record<string, unknown> & { [key: symbol]: { startIndex?: number } | undefined };

function convert(entry: Entry, lineOf: (i: number | undefined) => number): XNode {
  const name = Object.keys(entry).find((k) => k !== ':@') ?? '';
  const attrsRaw = (entry[':@'] ?? {}) as Record<string, unknown>;
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrsRaw)) attrs[k] = String(v);
  const node: XNode = { name, attrs, children: [], text: '', line: lineOf(entry[META as unknown as symbol]?.startIndex) };
  const content = entry[name];
  if (Array.isArray(content)) {
    for (const c of content as Entry[]) {
      if ('#text' in c) node.text += String(c['#text']);
      else node.children.push(convert(c, lineOf));
    }
  }
  return node;
}

// ---------------------------------------------------------------------------------------------------------------
// The request model

export interface Filter {
  /** Element name of the values (`id`, `name`, `external-id`, …); null for an empty `<filter/>`. */
  kind: string | null;
  values: string[];
}

export type PlanRefElement = { guid: string } | { externalId: string } | { noPlan: true };
export type OwnerScope = { ownerId: string } | { ownerLogin: string } | 'all' | null;

export type Operation =
  | { operator: 'webspace'; operation: 'get'; filter: Filter; datasets: string[] }
  | { operator: 'webspace'; operation: 'add-subscription' | 'remove-subscription' | 'switch-subscription'; filter: Filter; plan: PlanRefElement }
  | { operator: 'webspace'; operation: 'sync-subscription'; filter: Filter }
  | { operator: 'service-plan' | 'service-plan-addon'; operation: 'get'; filter: Filter; owner: OwnerScope }
  | { operator: 'server'; operation: 'get_protos' };

export interface OperatorBlock {
  operator: 'webspace' | 'service-plan' | 'service-plan-addon' | 'server';
  operations: Operation[];
}

// ---------------------------------------------------------------------------------------------------------------
// Schema checks with libxml2's wording

function invalid(line: number, message: string): PacketRejected {
  return new PacketRejected(`Parser error: Request is invalid. Error in line ${line}: ${message}`);
}

function expectedClause(names: string[]): string {
  if (names.length === 0) return '';
  return names.length === 1 ? ` Expected is ( ${names[0]} ).` : ` Expected is one of ( ${names.join(', ')} ).`;
}

interface Particle {
  names: string[];
  min: number;
  max: number;
}

function expectedAt(particles: Particle[], index: number, count: number): string[] {
  const names: string[] = [];
  for (let i = index; i < particles.length; i += 1) {
    const p = particles[i]!;
    const used = i === index ? count : 0;
    if (used < p.max) names.push(...p.names);
    if (used < p.min) break;
  }
  return names;
}

/**
 * xs:sequence of particles (each an element or a choice of elements). `visit` validates each child as soon as it
 * is matched, so that errors are reported in document order, as libxml2 does.
 */
function checkSequence(parent: XNode, particles: Particle[], visit: (child: XNode) => void = () => undefined): void {
  let index = 0;
  let count = 0;
  for (const child of parent.children) {
    for (;;) {
      const p = particles[index];
      if (!p) throw invalid(child.line, `Element '${child.name}': This element is not expected.`);
      if (p.names.includes(child.name) && count < p.max) {
        count += 1;
        visit(child);
        break;
      }
      if (count >= p.min) {
        index += 1;
        count = 0;
        continue;
      }
      throw invalid(child.line, `Element '${child.name}': This element is not expected.${expectedClause(expectedAt(particles, index, count))}`);
    }
  }
  for (; index < particles.length; index += 1, count = 0) {
    const p = particles[index]!;
    if (count < p.min) {
      throw invalid(parent.line, `Element '${parent.name}': Missing child element(s).${expectedClause(expectedAt(particles, index, count))}`);
    }
  }
}

function checkNoAttributes(node: XNode, allowed: string[] = []): void {
  for (const name of Object.keys(node.attrs)) {
    if (!allowed.includes(name)) throw invalid(node.line, `Element '${node.name}', attribute '${name}': The attribute '${name}' is not allowed.`);
  }
}

function checkElementOnly(node: XNode): void {
  checkNoAttributes(node);
  if (node.text.trim() !== '') {
    throw invalid(node.line, `Element '${node.name}': Character content other than whitespace is not allowed because the content type is 'element-only'.`);
  }
}

function checkEmpty(node: XNode): void {
  checkNoAttributes(node);
  if (node.children.length > 0) throw invalid(node.line, `Element '${node.name}': Element content is not allowed, because the content type is empty.`);
  if (node.text !== '') throw invalid(node.line, `Element '${node.name}': Character content is not allowed, because the content type is empty.`);
}

function simpleText(node: XNode): string {
  checkNoAttributes(node);
  if (node.children.length > 0) {
    throw invalid(node.line, `Element '${node.name}': Element content is not allowed, because the content type is a simple type.`);
  }
  return node.text;
}

function checkIdType(node: XNode, value: string): void {
  if (!/^\+?0*[1-9]\d{0,9}$/.test(value) || Number(value) > 2_147_483_647) {
    throw invalid(node.line, `Element '${node.name}': '${value}' is not a valid value of the atomic type 'id_type'.`);
  }
}

function checkInt(node: XNode, value: string): void {
  if (!/^[+-]?\d{1,10}$/.test(value) || Math.abs(Number(value)) > 2_147_483_648) {
    throw invalid(node.line, `Element '${node.name}': '${value}' is not a valid value of the atomic type 'xs:int'.`);
  }
}

const WEBSPACE_FILTER = ['id', 'owner-id', 'name', 'owner-login', 'guid', 'owner-guid', 'external-id', 'owner-external-id'];
const PLAN_FILTER = ['name', 'id', 'guid', 'external-id'];
const DATASETS = [
  'gen_info',
  'hosting',
  'hosting-basic',
  'limits',
  'stat',
  'prefs',
  'disk_usage',
  'performance',
  'subscriptions',
  'permissions',
  'plan-items',
  'php-settings',
  'resource-usage',
  'mail',
];
const OPERATORS = ['server', 'webspace', 'service-plan', 'service-plan-addon'];

/** xs:choice of the kinds, each repeatable: the first value fixes the kind for the rest. */
function readFilter(node: XNode, kinds: string[]): Filter {
  checkElementOnly(node);
  const first = node.children[0];
  if (!first) return { kind: null, values: [] };
  if (!kinds.includes(first.name)) {
    throw invalid(first.line, `Element '${first.name}': This element is not expected.${expectedClause(kinds)}`);
  }
  const values: string[] = [];
  for (const child of node.children) {
    if (child.name !== first.name) throw invalid(child.line, `Element '${child.name}': This element is not expected.${expectedClause([first.name])}`);
    const value = simpleText(child);
    if (child.name === 'id') checkIdType(child, value);
    if (child.name === 'owner-id') checkInt(child, value);
    values.push(value);
  }
  return { kind: first.name, values };
}

/** `dataset`: an xs:all of empty flags, each at most once. */
function readDatasets(node: XNode, datasets: string[]): void {
  checkElementOnly(node);
  for (const flag of node.children) {
    if (!DATASETS.includes(flag.name) || datasets.includes(flag.name)) {
      throw invalid(flag.line, `Element '${flag.name}': This element is not expected.${expectedClause(DATASETS.filter((d) => !datasets.includes(d)))}`);
    }
    checkEmpty(flag);
    datasets.push(flag.name);
  }
}

function readPlanRef(node: XNode): PlanRefElement {
  if (node.name === 'no-plan') {
    checkEmpty(node);
    return { noPlan: true };
  }
  const value = simpleText(node);
  return node.name === 'plan-guid' ? { guid: value } : { externalId: value };
}

function readWebspaceOperation(node: XNode): Operation {
  checkElementOnly(node);
  switch (node.name) {
    case 'get': {
      let filter: Filter = { kind: null, values: [] };
      const datasets: string[] = [];
      checkSequence(
        node,
        [
          { names: ['filter'], min: 1, max: 1 },
          { names: ['dataset'], min: 1, max: 1 },
        ],
        (child) => {
          if (child.name === 'filter') filter = readFilter(child, WEBSPACE_FILTER);
          else readDatasets(child, datasets);
        },
      );
      return { operator: 'webspace', operation: 'get', filter, datasets };
    }
    case 'add-subscription':
    case 'remove-subscription':
    case 'switch-subscription': {
      const planNames = node.name === 'switch-subscription' ? ['plan-guid', 'plan-external-id', 'no-plan'] : ['plan-guid', 'plan-external-id'];
      let filter: Filter = { kind: null, values: [] };
      let plan: PlanRefElement = { noPlan: true };
      checkSequence(
        node,
        [
          { names: ['filter'], min: 1, max: 1 },
          { names: planNames, min: 1, max: 1 },
        ],
        (child) => {
          if (child.name === 'filter') filter = readFilter(child, WEBSPACE_FILTER);
          else plan = readPlanRef(child);
        },
      );
      return { operator: 'webspace', operation: node.name, filter, plan };
    }
    case 'sync-subscription': {
      let filter: Filter = { kind: null, values: [] };
      checkSequence(node, [{ names: ['filter'], min: 1, max: 1 }], (child) => {
        filter = readFilter(child, WEBSPACE_FILTER);
      });
      return { operator: 'webspace', operation: 'sync-subscription', filter };
    }
    default:
      throw invalid(
        node.line,
        `Element '${node.name}': This element is not expected.${expectedClause(['get', 'switch-subscription', 'sync-subscription', 'add-subscription', 'remove-subscription'])}`,
      );
  }
}

function readPlanOperation(operator: 'service-plan' | 'service-plan-addon', node: XNode): Operation {
  checkElementOnly(node);
  if (node.name !== 'get') throw invalid(node.line, `Element '${node.name}': This element is not expected.${expectedClause(['get'])}`);
  let filter: Filter = { kind: null, values: [] };
  let owner: OwnerScope = null;
  checkSequence(
    node,
    [
      { names: ['filter'], min: 1, max: 1 },
      { names: ['owner-id', 'owner-login', 'owner-all'], min: 0, max: 1 },
    ],
    (child) => {
      if (child.name === 'filter') filter = readFilter(child, PLAN_FILTER);
      else if (child.name === 'owner-all') {
        checkEmpty(child);
        owner = 'all';
      } else if (child.name === 'owner-id') {
        const value = simpleText(child);
        checkIdType(child, value);
        owner = { ownerId: String(Number(value)) };
      } else owner = { ownerLogin: simpleText(child) };
    },
  );
  return { operator, operation: 'get', filter, owner };
}

/** Validates a whole packet against the sandbox's schema and returns its operations in document order. */
export function readPacket(root: XNode): OperatorBlock[] {
  if (root.name !== 'packet') throw invalid(root.line, `Element '${root.name}': No matching global declaration available for the validation root.`);
  checkNoAttributes(root, ['version']);
  checkElementOnly({ ...root, attrs: {} });
  const blocks: OperatorBlock[] = [];
  const children = root.children[0]?.name === 'request-settings' ? root.children.slice(1) : root.children;
  if (root.children[0]?.name === 'request-settings') {
    const settings = root.children[0];
    checkElementOnly(settings);
    for (const setting of settings.children) {
      if (setting.name !== 'setting') throw invalid(setting.line, `Element '${setting.name}': This element is not expected. Expected is ( setting ).`);
      checkElementOnly(setting);
      checkSequence(setting, [
        { names: ['name'], min: 1, max: 1 },
        { names: ['value'], min: 0, max: 1 },
      ]);
    }
  }
  if (children.length === 0) throw invalid(root.line, `Element 'packet': Missing child element(s).${expectedClause(OPERATORS)}`);
  for (const operatorNode of children) {
    if (!OPERATORS.includes(operatorNode.name)) {
      throw invalid(operatorNode.line, `Element '${operatorNode.name}': This element is not expected.${expectedClause(OPERATORS)}`);
    }
    checkElementOnly(operatorNode);
    const operator = operatorNode.name as OperatorBlock['operator'];
    if (operatorNode.children.length === 0) {
      throw invalid(operatorNode.line, `Element '${operator}': Missing child element(s).`);
    }
    const operations = operatorNode.children.map((node): Operation => {
      if (operator === 'webspace') return readWebspaceOperation(node);
      if (operator === 'server') {
        if (node.name !== 'get_protos') throw invalid(node.line, `Element '${node.name}': This element is not expected.${expectedClause(['get_protos'])}`);
        checkEmpty(node);
        return { operator: 'server', operation: 'get_protos' };
      }
      return readPlanOperation(operator, node);
    });
    blocks.push({ operator, operations });
  }
  return blocks;
}

// ---------------------------------------------------------------------------------------------------------------
// Lenient summary for the request log (also for packets that fail validation)

export interface RecordedOperation {
  operator: string;
  operation: string;
  /** `kind` is the element name of the values, `null` for an empty filter, kinds joined by `+` when mixed. */
  filter: { kind: string | null; values: string[] } | null;
  plan: { guid?: string; externalId?: string; noPlan?: true } | null;
}

export function summarize(root: XNode): RecordedOperation[] {
  const out: RecordedOperation[] = [];
  for (const operator of root.children) {
    if (operator.name === 'request-settings') continue;
    for (const operation of operator.children) {
      const filterNode = operation.children.find((c) => c.name === 'filter');
      let filter: RecordedOperation['filter'] = null;
      if (filterNode) {
        const kinds = [...new Set(filterNode.children.map((c) => c.name))];
        filter = { kind: kinds.length === 0 ? null : kinds.join('+'), values: filterNode.children.map((c) => c.text) };
      }
      const plan: NonNullable<RecordedOperation['plan']> = {};
      for (const c of operation.children) {
        if (c.name === 'plan-guid') plan.guid = c.text;
        if (c.name === 'plan-external-id') plan.externalId = c.text;
        if (c.name === 'no-plan') plan.noPlan = true;
      }
      out.push({ operator: operator.name, operation: operation.name, filter, plan: Object.keys(plan).length > 0 ? plan : null });
    }
  }
  return out;
}
