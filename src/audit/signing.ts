/**
 * The audit signing key (Ed25519) for checkpoints. Given by MASH_AUDIT_SIGNING_KEY (PEM or a
 * file path) in production; in embedded mode created in the data directory. The public key and
 * its id are exported with the log so an outside party can verify a copy.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import path from 'node:path';
import { ConfigError } from '../lib/errors.ts';
import { readOrCreateKeyFile } from '../store/key-file.ts';

export const AUDIT_KEY_FILE = 'audit-signing-key.pem';

export interface AuditSigner {
  readonly keyId: string;
  readonly publicKeyPem: string;
  sign(message: string): string;
}

/** The id of a public key: the first 16 hex of SHA-256 over its SPKI DER. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

export function signerFromPem(pem: string): AuditSigner {
  const privateKey = createPrivateKey(pem);
  const publicKey = createPublicKey(privateKey);
  return {
    keyId: keyIdOf(publicKey),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    sign: (message) => sign(null, Buffer.from(message, 'utf8'), privateKey).toString('base64'),
  };
}

/**
 * Load the configured key, or — embedded only — the data directory's (created the first time,
 * owner-only, once however many processes start together). With a shared PostgreSQL the processes
 * of a deployment run on several machines, each with its own data directory: a key per directory
 * would sign checkpoints no other process can verify, so the key must be configured (ConfigError).
 */
export function loadAuditSigner(options: { readonly pem?: string | undefined; readonly dataDir: string; readonly embedded: boolean }): AuditSigner {
  if (options.pem !== undefined) return signerFromPem(options.pem);
  if (!options.embedded) {
    throw new ConfigError('MASH_AUDIT_SIGNING_KEY', 'an audit signing key is required with DATABASE_URL, the same for every process (openssl genpkey -algorithm ed25519)');
  }
  const file = path.join(options.dataDir, AUDIT_KEY_FILE);
  // Every process of a deployment sharing the data directory must sign with the same key.
  const pem = readOrCreateKeyFile(file, () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
  return signerFromPem(pem);
}

/** The message a checkpoint signs: version, position and hash of the chain head. */
export const checkpointMessage = (seq: number, hash: string): string => `mash-audit-checkpoint-v1:${seq}:${hash}`;

export function verifyCheckpointSignature(publicKeyPem: string, seq: number, hash: string, signature: string): boolean {
  try {
    return verify(null, Buffer.from(checkpointMessage(seq, hash), 'utf8'), createPublicKey(publicKeyPem), Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
