/**
 * A mocked network for adapter protocol tests: an msw server that listens for the whole test
 * file, refuses any request no handler answers, and drops each test's handlers afterwards.
 *
 * Why this file exists: the protocol-edge tests of the REST adapters (src/adapters/…/adapter.test.ts)
 * mock outbound HTTP at the network layer, and all of them need the same lifecycle around it.
 */
import { setupServer, type SetupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll } from 'vitest';

/** The msw server for this test file, started before its tests and closed after; add handlers with `use`. */
export function mockNetwork(): SetupServer {
  const server = setupServer();
  beforeAll(() => {
    server.listen({ onUnhandledFrame: 'error' });
  });
  afterEach(() => {
    server.resetHandlers();
  });
  afterAll(() => {
    server.close();
  });
  return server;
}
