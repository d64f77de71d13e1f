/**
 * `/health`: the process is alive. `/ready`: it can do its job (the audit store takes writes, and
 * later the upstreams are not all broken). Both answer without a credential and reveal no detail
 * beyond each check's name and state.
 */
import type { Plugin } from 'graphql-yoga';

export interface ReadinessCheck {
  name: string;
  check(): { ok: boolean; detail?: string };
}

export function useHealthEndpoints(checks: ReadinessCheck[]): Plugin {
  return {
    onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname === '/health') {
        endResponse(fetchAPI.Response.json({ status: 'ok' }));
        return;
      }
      if (url.pathname === '/ready') {
        const results = checks.map(({ name, check }) => {
          try {
            return { name, ...check() };
          } catch {
            return { name, ok: false };
          }
        });
        const ready = results.every((r) => r.ok);
        endResponse(fetchAPI.Response.json({ status: ready ? 'ready' : 'not ready', checks: results }, { status: ready ? 200 : 503 }));
      }
    },
  };
}
