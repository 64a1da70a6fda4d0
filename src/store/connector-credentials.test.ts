import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SealError } from '../lib/envelope.ts';
import { MashError } from '../lib/errors.ts';
import { Connector } from '../model/connector.ts';
import { fillCredentials, hasInlineCredential, openCredentials, sealCredentials, withdrawCredentials } from './connector-credentials.ts';
import { createVault } from './vault.ts';

const SECRET = 'synthetic-Secret-4c2b9e';
const oauth = Connector.parse({
  id: 'health-oauth',
  agency: 'health',
  type: 'fhir-r4',
  sourceSystem: 'Synthetic FHIR',
  baseUrl: 'http://127.0.0.1:9/fhir',
  auth: { kind: 'oauth2-client-credentials', tokenUrl: 'http://127.0.0.1:9/token', clientId: 'mash', clientSecret: { value: SECRET } },
});

describe('write-only connector credentials', () => {
  it('takes an inline credential out of the definition, leaving {"sealed": true}, and puts it back in memory', () => {
    const { definition, credentials } = withdrawCredentials(oauth, {});
    expect(JSON.stringify(definition)).not.toContain(SECRET);
    expect(definition.auth).toMatchObject({ kind: 'oauth2-client-credentials', clientSecret: { sealed: true } });
    expect(credentials).toEqual({ 'auth.clientSecret': SECRET });
    expect(fillCredentials(definition, credentials)).toEqual(oauth);
  });

  it('leaves references as references, and keeps a sealed credential when {"sealed": true} is sent back', () => {
    const byEnv = Connector.parse({ ...oauth, auth: { kind: 'bearer', token: { env: 'HEALTH_TOKEN' } } });
    expect(withdrawCredentials(byEnv, {})).toEqual({ definition: byEnv, credentials: {} });
    const sentBack = Connector.parse({ ...oauth, auth: { ...oauth.auth, clientSecret: { sealed: true } } });
    expect(withdrawCredentials(sentBack, { 'auth.clientSecret': SECRET }).credentials).toEqual({ 'auth.clientSecret': SECRET });
    // Nothing sealed to keep: refused, not stored as a credential that cannot be opened.
    expect(() => withdrawCredentials(sentBack, {})).toThrow(MashError);
  });

  it('seals under the master key, bound to the connector: no plaintext in the blob, another connector or key cannot open it', () => {
    const master = randomBytes(32);
    const vault = createVault(master);
    const sealed = sealCredentials(vault, 'health-oauth', { 'auth.clientSecret': SECRET });
    if (sealed === null) throw new Error('nothing sealed');
    expect(sealed.includes(Buffer.from(SECRET))).toBe(false);
    expect(sealed.includes(master)).toBe(false);
    expect(openCredentials(vault, 'health-oauth', sealed)).toEqual({ 'auth.clientSecret': SECRET });
    expect(() => openCredentials(vault, 'health-other', sealed)).toThrow(SealError);
    expect(() => openCredentials(createVault(randomBytes(32)), 'health-oauth', sealed)).toThrow(SealError);
    // A fresh data key each time: the same credential sealed twice is two different blobs.
    expect(sealCredentials(vault, 'health-oauth', { 'auth.clientSecret': SECRET })?.equals(sealed)).toBe(false);
    expect(sealCredentials(vault, 'health-oauth', {})).toBeNull();
    expect(openCredentials(vault, 'health-oauth', null)).toEqual({});
  });
});

describe('hasInlineCredential', () => {
  it('looks at the credential fields, not at any text that reads "value"', () => {
    expect(hasInlineCredential(oauth)).toBe(true);
    expect(hasInlineCredential(withdrawCredentials(oauth, {}).definition)).toBe(false);
    expect(hasInlineCredential(Connector.parse({ ...oauth, auth: { kind: 'basic', username: 'value', password: { env: 'VALUE' } } }))).toBe(false);
  });
});
