import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('defaults to sandbox mode on 127.0.0.1:4000', () => {
    const result = loadConfig({});
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config).toMatchObject({ port: 4000, host: '127.0.0.1', env: 'development', wix: { mode: 'sandbox', baseUrl: 'https://www.wixapis.com' } });
    expect(result.config.wix.apiKey).toBeUndefined();
  });

  it('is live when WIX_API_KEY is set, with the account normalised', () => {
    const result = loadConfig({ WIX_API_KEY: 'k', WIX_ACCOUNT_ID: 'ACC00000-0000-4000-8000-000000000002' });
    expect(result.ok && result.config.wix).toMatchObject({ mode: 'live', apiKey: 'k', defaultAccountId: 'acc00000-0000-4000-8000-000000000002' });
  });

  it('treats empty variables as unset', () => {
    const result = loadConfig({ WIX_API_KEY: '', WIX_ACCOUNT_ID: ' ' });
    expect(result.ok && result.config.wix.mode).toBe('sandbox');
  });

  it('accepts http only for loopback hosts', () => {
    expect(loadConfig({ WIX_API_BASE_URL: 'http://127.0.0.1:9000' }).ok).toBe(true);
    expect(loadConfig({ WIX_API_BASE_URL: 'http://localhost:9000/' }).ok).toBe(true);
    expect(loadConfig({ WIX_API_BASE_URL: 'http://wix.example.com' }).ok).toBe(false);
    expect(loadConfig({ WIX_API_BASE_URL: 'https://user:pw@wix.example.com' }).ok).toBe(false);
  });

  it('reports every problem at once', () => {
    const result = loadConfig({ PORT: 'eighty', WIX_ACCOUNT_ID: 'nope', WIX_API_BASE_URL: 'ftp://x', LOG_LEVEL: 'loud' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = result.problems.join('\n');
    for (const name of ['PORT', 'WIX_ACCOUNT_ID', 'WIX_API_BASE_URL', 'LOG_LEVEL']) expect(text).toContain(name);
  });
});
