// The Wix flavour of the shared fault machinery: JSON bodies and Wix error shapes.
import type { FaultDialect } from '../faults.js';
import { genericErrorBody } from './errors.js';

export type { Fault, FaultController, FaultRule } from '../faults.js';

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** Pads a JSON object body with a `padding` string member up to `bytes` bytes (never below the base size). */
function padJson(base: string | undefined, bytes: number): string {
  const head = base !== undefined && base.trimEnd().endsWith('}') ? base.trimEnd().slice(0, -1) : '{';
  const sep = head.trim() === '{' ? '' : ',';
  const prefix = `${head}${sep}"padding":"`;
  const suffix = '"}';
  const fill = bytes - Buffer.byteLength(prefix) - suffix.length;
  return `${prefix}${'x'.repeat(Math.max(0, fill))}${suffix}`;
}

export const WIX_FAULT_DIALECT: FaultDialect = {
  contentType: JSON_CONTENT_TYPE,
  statusBody: (status) => JSON.stringify(genericErrorBody(status)),
  truncatedBody: '{"package":{"id":"9ac00000-0000-4000-8000-0000',
  sampleBody: JSON.stringify({
    package: {
      id: '9ac00000-0000-4000-8000-000000000000',
      accountId: 'acc00000-0000-4000-8000-000000000000',
      productInstances: [],
      createdDate: '2025-01-01T00:00:00.000Z',
      updatedDate: '2025-01-01T00:00:00.000Z',
    },
  }),
  pad: padJson,
};
