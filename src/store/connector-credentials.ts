/**
 * Write-only connector credentials (docs/decisions.md "Connector administration"): a credential
 * given inline (`{"value": "…"}`) is taken out of the definition before it is stored, sealed with
 * the vault's connector envelope (a hub-held key, never a referral's), and kept beside the row;
 * the stored definition — the one every answer, version and audit entry is made from — holds
 * `{"sealed": true}` in its place. The definition is filled in again, in memory only, where a
 * lookup, a notification or a live test uses it. References (`env`, `file`) stay references.
 */
import { z } from 'zod';
import { MashError } from '../lib/errors.ts';
import type { Connector, ConnectorAuthConfig, SecretRef } from '../model/connector.ts';
import type { Vault } from './vault.ts';

/** Where in `auth` a connector can hold a secret, by auth kind (field names of `ConnectorAuthConfig`). */
const SECRET_FIELDS = ['token', 'password', 'clientSecret', 'privateKey'] as const;
type SecretField = (typeof SECRET_FIELDS)[number];

/** Credentials by field path (`auth.token`, `auth.clientSecret`…): what is sealed, as one JSON object. */
export type Credentials = Readonly<Record<string, string>>;
const CredentialsJson = z.record(z.string().max(100), z.string().max(16_384));

const secretOf = (auth: ConnectorAuthConfig, field: SecretField): SecretRef | undefined => (field in auth ? (auth as Partial<Record<SecretField, SecretRef>>)[field] : undefined);

/** The connector's secrets that are not references: inline values and kept sealed ones, by path. */
function secretsByPath(connector: Connector): { path: string; field: SecretField; ref: SecretRef }[] {
  return SECRET_FIELDS.flatMap((field) => {
    const ref = secretOf(connector.auth, field);
    return ref === undefined ? [] : [{ path: `auth.${field}`, field, ref }];
  });
}

/** Whether the connector holds a credential inline (`{"value": …}`): such a definition is never stored as it is. */
export function hasInlineCredential(connector: Connector): boolean {
  return secretsByPath(connector).some(({ ref }) => 'value' in ref);
}

/**
 * Splits a connector as given (API or file) into what may be stored in the clear — inline values
 * replaced by `{"sealed": true}` — and the credentials to seal: the inline values given, and for
 * a `{"sealed": true}` given, the credential `current` holds at that path (kept). A
 * `{"sealed": true}` with nothing sealed at its path is refused: there is nothing to keep.
 */
export function withdrawCredentials(connector: Connector, current: Credentials): { readonly definition: Connector; readonly credentials: Credentials } {
  const credentials: Record<string, string> = {};
  const auth: Record<string, unknown> = { ...connector.auth };
  for (const { path, field, ref } of secretsByPath(connector)) {
    if ('value' in ref) credentials[path] = ref.value;
    else if ('sealed' in ref) {
      const kept = current[path];
      if (kept === undefined) throw new MashError('REQUEST.INVALID', `${path} is {"sealed": true} but no credential is sealed there: give it as {"value": …}, {"env": …} or {"file": …}`, { invalidParams: [{ name: `json.${path}`, reason: 'nothing sealed to keep' }] });
      credentials[path] = kept;
    } else continue;
    auth[field] = { sealed: true };
  }
  return { definition: { ...connector, auth: auth as ConnectorAuthConfig }, credentials };
}

/** The definition with its sealed credentials put back as inline values, for use in memory only. */
export function fillCredentials(definition: Connector, credentials: Credentials): Connector {
  const auth: Record<string, unknown> = { ...definition.auth };
  for (const { path, field, ref } of secretsByPath(definition)) {
    const value = credentials[path];
    if ('sealed' in ref && value !== undefined) auth[field] = { value };
  }
  return { ...definition, auth: auth as ConnectorAuthConfig };
}

/** Seal credentials for a connector's row; null when there are none. */
export function sealCredentials(vault: Vault, connectorId: string, credentials: Credentials): Buffer | null {
  return Object.keys(credentials).length === 0 ? null : vault.sealCredentials(connectorId, JSON.stringify(credentials));
}

/** Open a connector row's sealed credentials (none when null). */
export function openCredentials(vault: Vault, connectorId: string, sealed: Uint8Array | null): Credentials {
  return sealed === null ? {} : CredentialsJson.parse(JSON.parse(vault.openCredentials(connectorId, sealed)));
}
