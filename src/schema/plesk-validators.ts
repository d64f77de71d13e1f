/**
 * Input rules for the Plesk fields, checked before any upstream call (plesk-xml-api.md §3, §4.1, §4.3):
 * a malformed key never reaches agent.php. They are as strict as the client's own value checks
 * (`src/upstreams/plesk/packets.ts`), so a value accepted here is never refused there.
 */
import { z } from 'zod';

/** A configured Plesk server's name (`default` when omitted); matched case-insensitively. */
export const pleskServerName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/i, 'must be a server name: letters, digits, "_" and "-", at most 63 characters');

/** A Plesk object ID (`id_type`): a positive integer in canonical digits, no sign, no leading zero. */
export const pleskId = z
  .string()
  .regex(/^[1-9]\d{0,9}$/, 'must be a positive integer such as 42')
  .refine((value) => Number(value) <= 2_147_483_647, 'must be at most 2147483647');

/** A Plesk GUID (subscription or plan), normalised to lower case. */
export const pleskGuid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a GUID such as 0d5e8a7c-1b2f-4c3d-9e8f-7a6b5c4d3e2f')
  .transform((value) => value.toLowerCase());

// C0 and C1 controls, DEL, non-characters and lone surrogates: none can be sent in an XML filter as is.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** A free-text Plesk key (subscription name, external ID, plan external ID). */
export const pleskText = z
  .string()
  .min(1, 'must not be empty')
  .max(255, 'must be at most 255 characters')
  .refine((value) => !CONTROL_CHARS.test(value), 'must not contain control characters')
  .refine((value) => value.trim() === value, 'must not start or end with whitespace');
