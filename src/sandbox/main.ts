/**
 * `npm run sandbox`: the sandbox upstreams alone, for pointing a gateway (or curl) at them.
 * SANDBOX_WIX_PORT fixes the Wix port (default: a free one).
 */
import { startWixSandbox, WIX_DEMO } from './wix/index.js';

const wix = await startWixSandbox({
  port: Number(process.env.SANDBOX_WIX_PORT ?? 0),
  ...(process.env.SANDBOX_WIX_API_KEY ? { apiKey: process.env.SANDBOX_WIX_API_KEY } : {}),
});

process.stdout.write(
  [
    'Wix Resellers sandbox',
    `  url:     ${wix.url}`,
    `  api key: ${wix.apiKey}`,
    '  point the gateway at it with:',
    `  WIX_API_BASE_URL=${wix.url} WIX_API_KEY=${wix.apiKey} WIX_ACCOUNT_ID=${WIX_DEMO.accountId} npm start`,
    '',
  ].join('\n'),
);

async function stop(): Promise<void> {
  await wix.close();
  process.exit(0);
}
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
