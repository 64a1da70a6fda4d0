/**
 * The part of panva's oidc-provider (which ships no types) the console's sign-in test uses: a
 * provider with one client, claims by scope, development login screens, and an account finder.
 */
declare module 'oidc-provider' {
  import type { Server } from 'node:http';

  interface Account {
    accountId: string;
    claims(): Record<string, unknown>;
  }

  interface Configuration {
    clients: readonly Record<string, unknown>[];
    pkce?: { required: () => boolean };
    claims?: Record<string, readonly string[]>;
    conformIdTokenClaims?: boolean;
    features?: Record<string, { enabled: boolean }>;
    findAccount: (context: unknown, id: string) => Account | Promise<Account>;
  }

  export default class Provider {
    constructor(issuer: string, configuration: Configuration);
    listen(port: number, host: string): Server;
  }
}
