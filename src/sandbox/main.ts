/**
 * `npm run sandbox`: the sandbox upstreams alone, for pointing a gateway (or curl) at them.
 * SANDBOX_WIX_PORT / SANDBOX_PLESK_PORT fix the ports (default: free ones); SANDBOX_WIX_API_KEY
 * fixes the Wix key.
 */
import { PLESK_DEMO, startPleskSandbox } from './plesk/index.js';
import { startWixSandbox, WIX_DEMO } from './wix/index.js';

const [wix, plesk] = await Promise.all([
  startWixSandbox({
    port: Number(process.env.SANDBOX_WIX_PORT ?? 0),
    ...(process.env.SANDBOX_WIX_API_KEY ? { apiKey: process.env.SANDBOX_WIX_API_KEY } : {}),
  }),
  startPleskSandbox({ port: Number(process.env.SANDBOX_PLESK_PORT ?? 0) }),
]);

process.stdout.write(
  [
    'Wix Resellers sandbox',
    `  url:      ${wix.url}`,
    `  api key:  ${wix.apiKey}`,
    `  accounts: demo customer ${WIX_DEMO.accountId}, reseller ${WIX_DEMO.resellerAccountId}`,
    'Plesk XML API sandbox',
    `  url:      ${plesk.url}`,
    `  login:    ${plesk.login} / ${plesk.password}`,
    `  key:      ${plesk.secretKey}`,
    `  subscriptions: ${Object.values(PLESK_DEMO.subscriptions).map((s) => `${s.id} ${s.name}`).join(', ')}`,
    '',
    'Point the gateway at both with:',
    `  WIX_API_BASE_URL=${wix.url} WIX_API_KEY=${wix.apiKey} WIX_ACCOUNT_ID=${WIX_DEMO.accountId} \\`,
    `  PLESK_URL=${plesk.url} PLESK_SECRET_KEY=${plesk.secretKey} npm start`,
    '',
  ].join('\n'),
);

async function stop(): Promise<void> {
  await Promise.all([wix.close(), plesk.close()]);
  process.exit(0);
}
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
