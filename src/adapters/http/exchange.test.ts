/**
 * The exchange over a real loopback server: a connection the server closes before answering (as a
 * server closes an idle kept-alive connection that a busy client then reuses) is retried once on a
 * new one (RFC 9112 §9.3.1), so a lookup under load is not recorded failed for it; a server that
 * keeps doing so, or one nobody listens on, still fails the call as unreachable.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Orchestration } from '../port.ts';
import { decodeText, exchangeWith, type HttpEnvironment } from './exchange.ts';

let server: Server | undefined;

afterEach(async () => {
  await new Promise<void>((resolve) => {
    if (server === undefined) resolve();
    else server.close(() => resolve());
    server?.closeAllConnections();
  });
  server = undefined;
});

/** A server that drops the connection, without any answer, for the first `drops` requests. */
async function dropping(drops: number): Promise<{ url: string; requests: () => number }> {
  let requests = 0;
  server = createServer((request, response) => {
    requests += 1;
    if (requests <= drops) {
      request.socket.destroy();
      return;
    }
    response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/search`, requests: () => requests };
}

function environment(): HttpEnvironment & { orchestrations: Orchestration[] } {
  return { fetch: globalThis.fetch, clock: { now: () => new Date() }, abortKind: () => 'timeout', orchestrations: [] };
}

const call = (url: string) => ({ name: 'Person search', method: 'POST' as const, url, headers: {}, body: '<search/>', signal: AbortSignal.timeout(5_000), maxBytes: 1_000 });

describe('exchangeWith and connections closed under it', () => {
  it('retries once on a new connection when the server closed it before answering', async () => {
    const target = await dropping(1);
    const env = environment();
    const result = await exchangeWith(call(target.url), env, decodeText);
    expect(result.ok && result.value.body).toBe('ok');
    expect(target.requests()).toBe(2);
    expect(env.orchestrations.map((o) => o.status)).toEqual([200]);
  });

  it('fails as unreachable when the retry is closed too, after two requests', async () => {
    const target = await dropping(2);
    const result = await exchangeWith(call(target.url), environment(), decodeText);
    expect(result.ok ? 'ok' : result.error.failure.code).toBe('ADAPTER.UNREACHABLE');
    expect(target.requests()).toBe(2);
  });

  it('does not retry a connection that could not be made', async () => {
    const target = await dropping(0);
    const url = target.url;
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = undefined;
    const result = await exchangeWith(call(url), environment(), decodeText);
    expect(result.ok ? 'ok' : result.error.failure.code).toBe('ADAPTER.UNREACHABLE');
  });
});
