export { WixClient, type WixClientOptions, type WriteOptions, type ReadOptions } from './client.js';
export { WixApiError, WixBadResponseError, toGatewayError, type WixErrorContext } from './errors.js';
export * from './types.js';
