/**
 * Input rules checked before any upstream call (issue: "a malformed ID never reaches an upstream").
 * Limits come from wix-resellers-api.md §4 and §5.
 */
import type { StandardSchemaV1 } from '@pothos/plugin-validation';
import { z } from 'zod';
import type { GatewayContext } from '../context.js';
import { InvalidInputError, type InputIssue } from '../errors.js';

/** ISO-3166-1 alpha-2, officially assigned codes. */
const ISO_COUNTRIES = new Set(
  (
    'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ ' +
    'CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO ' +
    'FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE ' +
    'JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO ' +
    'MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW ' +
    'PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM ' +
    'TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW'
  ).split(' '),
);

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const GUID_ISSUE = [{ message: 'must be a GUID such as 3f2a9c4e-1b7d-4c2e-9a55-0d6e8f1b2c3d' }];

/**
 * A Wix GUID, normalised to lower case. Written as a bare Standard Schema rather than with zod
 * because it runs once per id argument, and a page of 100 aliased look-ups has 100 of them.
 */
export const guid: StandardSchemaV1<unknown, string> = {
  '~standard': {
    version: 1,
    vendor: 'reseller-gateway',
    validate: (value) => (typeof value === 'string' && GUID.test(value) ? { value: value.toLowerCase() } : { issues: GUID_ISSUE }),
  },
};

/**
 * The `guid` rule applied by hand to the arguments of a by-id look-up (`package(id)`,
 * `productInstance(instanceId)`): the validation plugin's generic argument mapping cost more per
 * field than the rest of the look-up, and a frontend sends a page of rows as 100 aliased look-ups.
 * Absent arguments stay absent; every malformed one is reported, as the plugin does.
 */
export function guidArguments<K extends string>(args: Record<K, string | number | null | undefined>): Record<K, string | undefined> {
  const out = {} as Record<K, string | undefined>;
  let issues: InputIssue[] | undefined;
  for (const name in args) {
    const value = args[name];
    if (value === null || value === undefined) continue;
    if (typeof value === 'string' && GUID.test(value)) out[name] = value.toLowerCase();
    else (issues ??= []).push({ path: [name], message: GUID_ISSUE[0]!.message });
  }
  if (issues) throw new InvalidInputError(issues);
  return out;
}

/**
 * The arguments of a list look-up (`packagesById`, `productInstancesById`), checked before any
 * upstream call: the ids counted against what the request's list look-ups may name together (the
 * context's `lookupIds`, first, so an oversized list is not scanned), each a GUID normalised to
 * lower case with every malformed one reported at its index, and the account one the caller may read.
 */
export function listLookup(
  ctx: Pick<GatewayContext, 'lookupIds' | 'wixAccount'>,
  name: string,
  values: readonly (string | number)[],
  accountId: string | number | null | undefined,
): { account: string; ids: string[] } {
  ctx.lookupIds.take(name, values.length);
  const ids: string[] = [];
  let issues: InputIssue[] | undefined;
  values.forEach((value, index) => {
    if (typeof value === 'string' && GUID.test(value)) ids.push(value.toLowerCase());
    else (issues ??= []).push({ path: [name, String(index)], message: GUID_ISSUE[0]!.message });
  });
  if (issues) throw new InvalidInputError(issues);
  const checked = guidArguments({ accountId });
  return { account: ctx.wixAccount(checked.accountId), ids };
}

export const externalId = z.string().min(1, 'must not be empty').max(100, 'must be at most 100 characters');

export const idempotencyKey = z
  .string()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

export const discountCode = z.string().min(1, 'must not be empty').max(25, 'must be at most 25 characters');

export const countryCode = z
  .string()
  .refine((value) => ISO_COUNTRIES.has(value), 'must be an ISO-3166-1 alpha-2 country code in upper case, such as BR');

export const pageSize = z.number().int().min(1, 'must be at least 1').max(100, 'must be at most 100');

export const intervalCount = z.number().int().min(1, 'must be at least 1').max(100, 'must be at most 100');
