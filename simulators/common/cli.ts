/**
 * What every simulator's main.ts shares: the command-line options for where to listen and which
 * synthetic population to serve, the OAuth options of the simulators secured by client
 * credentials, and stopping cleanly on SIGINT/SIGTERM.
 *
 * Why this file exists: each agency simulator can run as its own process (benchmarks, compose,
 * manual exploration), and those entry points differ only in the agency's own options and what
 * they print once listening.
 */
import { DEFAULT_HOUSEHOLDS, DEFAULT_SEED, generatePopulation, type Population } from '../population/index.ts';
import type { SimulatorAuth } from '../health/oauth.ts';

/** `--port`, `--host`, `--seed`, `--households`: spread into `parseArgs` options. */
export const SIMULATOR_OPTIONS = {
  port: { type: 'string', default: '0' },
  host: { type: 'string', default: '127.0.0.1' },
  seed: { type: 'string', default: String(DEFAULT_SEED) },
  households: { type: 'string', default: String(DEFAULT_HOUSEHOLDS) },
} as const;

/** `--client-id`, `--client-secret`, `--static-token`: spread into `parseArgs` options. */
export const OAUTH_OPTIONS = {
  'client-id': { type: 'string' },
  'client-secret': { type: 'string' },
  'static-token': { type: 'string' },
} as const;

/** The population `--seed` and `--households` name. */
export function populationOf(values: { readonly seed: string; readonly households: string }): Population {
  return generatePopulation({ seed: Number(values.seed), households: Number(values.households) });
}

/** `{ auth }` when a client (id and secret) or a static token was given, else `{}`: spread into the simulator's options. */
export function oauthAuthOf(values: { readonly 'client-id'?: string | undefined; readonly 'client-secret'?: string | undefined; readonly 'static-token'?: string | undefined }): { readonly auth?: SimulatorAuth } {
  const clientId = values['client-id'];
  const clientSecret = values['client-secret'];
  const staticToken = values['static-token'];
  const client = clientId !== undefined && clientSecret !== undefined ? { clientId, clientSecret } : undefined;
  if (client === undefined && staticToken === undefined) return {};
  return { auth: { clients: client === undefined ? [] : [client], ...(staticToken === undefined ? {} : { staticTokens: [staticToken] }) } };
}

/** Closes the simulator and exits on SIGINT or SIGTERM. */
export function closeOnSignal(simulator: { close(): Promise<void> }): void {
  const stop = (): void => {
    void simulator.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
