/** Resolve a connector's secret references (env or file) at the moment of use; never stored resolved. */
import { readFileSync } from 'node:fs';
import type { ConnectorAuth, ConnectorSettings } from '../adapters/port.ts';
import { MashError } from '../lib/errors.ts';
import type { Connector, ConnectorAuthConfig, SecretRef } from '../model/connector.ts';

export function resolveSecret(ref: SecretRef, env: Readonly<Record<string, string | undefined>>): string {
  if ('value' in ref) return ref.value;
  // The store opens a sealed credential before the connector is used (src/store/connector-credentials.ts).
  if ('sealed' in ref) throw new MashError('INTERNAL', 'connector secret: the sealed credential was not opened');
  if ('env' in ref) {
    const value = env[ref.env];
    if (value === undefined || value === '') throw new MashError('INTERNAL', `connector secret: environment variable ${ref.env} is not set`);
    return value;
  }
  try {
    return readFileSync(ref.file, 'utf8').trim();
  } catch {
    throw new MashError('INTERNAL', `connector secret: cannot read ${ref.file}`);
  }
}

function resolveAuth(auth: ConnectorAuthConfig, env: Readonly<Record<string, string | undefined>>): ConnectorAuth {
  switch (auth.kind) {
    case 'none':
      return auth;
    case 'bearer':
      return { kind: 'bearer', token: resolveSecret(auth.token, env) };
    case 'basic':
      return { kind: 'basic', username: auth.username, password: resolveSecret(auth.password, env) };
    case 'ws-security':
      return { kind: 'ws-security', username: auth.username, password: resolveSecret(auth.password, env) };
    case 'oauth2-client-credentials':
      return {
        kind: 'oauth2-client-credentials',
        tokenUrl: auth.tokenUrl,
        clientId: auth.clientId,
        clientSecret: auth.clientSecret === undefined ? undefined : resolveSecret(auth.clientSecret, env),
        privateKeyPem: auth.privateKey === undefined ? undefined : resolveSecret(auth.privateKey, env),
        keyId: auth.keyId,
        scope: auth.scope,
      };
    default:
      return auth satisfies never;
  }
}

/** What the adapter is given: the connector with its secrets resolved. */
export function connectorSettings(connector: Connector, env: Readonly<Record<string, string | undefined>>): ConnectorSettings {
  return {
    id: connector.id,
    baseUrl: connector.baseUrl,
    auth: resolveAuth(connector.auth, env),
    timeoutMs: connector.timeoutMs,
    maxResponseBytes: connector.maxResponseBytes,
    maxPages: connector.maxPages,
    maxCandidates: connector.maxCandidates,
  };
}
