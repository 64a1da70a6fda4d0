/**
 * An audit signing key for processes started on a shared PostgreSQL: with DATABASE_URL every
 * process must be given the same key (src/audit/signing.ts), as a deployment gives it.
 */
import { generateKeyPairSync } from 'node:crypto';

/** One Ed25519 private key (PKCS#8 PEM) per test file, for MASH_AUDIT_SIGNING_KEY. */
export const TEST_AUDIT_SIGNING_KEY: string = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
