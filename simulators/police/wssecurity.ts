/**
 * WS-Security UsernameToken checking for the police simulator (OASIS WSS UsernameToken Profile
 * 1.1): the `wsse:Security` header block must carry a UsernameToken whose password — as text,
 * or as a digest Base64(SHA-1(nonce + created + password)) — belongs to a configured user, with
 * a creation time within the allowed clock skew and a nonce not seen before.
 *
 * Why this file exists: the adapter's WS-Security header (node-soap's `WSSecurity`) is only
 * proven by a server that refuses a wrong one, with the fault codes of WSS SOAP Message Security
 * 1.1 §12 (wsse:InvalidSecurity, wsse:FailedAuthentication, wsse:MessageExpired …) as SOAP 1.2
 * subcodes of env:Sender.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { child, type Fault, type XmlNode } from './envelope.ts';
import { WSSE_NS } from './xml.ts';

const WSU_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd';
const PASSWORD_DIGEST = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest';

/** Who may call the simulator when it is secured. */
export interface PoliceSimulatorAuth {
  readonly users: readonly { readonly username: string; readonly password: string }[];
  /** How far a token's `Created` may be from the simulator's clock. Default 300 s. */
  readonly maxClockSkewSeconds?: number;
}

/** Remembers nonces for replay detection, forgetting them once their tokens could no longer be fresh. */
export interface NonceLog {
  readonly seen: Map<string, number>;
}

export const createNonceLog = (): NonceLog => ({ seen: new Map() });

/** Undefined when the header blocks carry a valid UsernameToken; otherwise the fault to answer with. */
export function checkUsernameToken(blocks: readonly XmlNode[], auth: PoliceSimulatorAuth, nonces: NonceLog, nowMs: number): Fault | undefined {
  const security = blocks.find((b) => b.uri === WSSE_NS && b.local === 'Security');
  if (security === undefined) return refuse('InvalidSecurity', 'A WS-Security header is required');
  const token = child(security, WSSE_NS, 'UsernameToken');
  const username = child(token, WSSE_NS, 'Username')?.text;
  const password = child(token, WSSE_NS, 'Password');
  if (token === undefined || username === undefined || password === undefined) return refuse('InvalidSecurityToken', 'A UsernameToken with a username and password is required');

  const nonce = child(token, WSSE_NS, 'Nonce')?.text;
  const created = child(token, WSU_NS, 'Created')?.text;
  const skewMs = (auth.maxClockSkewSeconds ?? 300) * 1000;
  if (created !== undefined) {
    const createdMs = Date.parse(created);
    if (!Number.isFinite(createdMs) || Math.abs(nowMs - createdMs) > skewMs) return refuse('MessageExpired', 'The UsernameToken has expired or is not yet valid');
  }

  const user = auth.users.find((u) => u.username === username);
  const digest = password.attributes.get('{}Type') === PASSWORD_DIGEST;
  if (digest && (nonce === undefined || created === undefined)) return refuse('InvalidSecurityToken', 'A password digest needs a nonce and a creation time');
  const expected = user === undefined ? undefined : digest ? passwordDigest(nonce ?? '', created ?? '', user.password) : user.password;
  if (expected === undefined || !sameText(expected, password.text)) return refuse('FailedAuthentication', 'The security token could not be authenticated or authorized');

  if (nonce !== undefined) {
    for (const [seenNonce, at] of nonces.seen) if (nowMs - at > 2 * skewMs) nonces.seen.delete(seenNonce);
    if (nonces.seen.has(nonce)) return refuse('FailedAuthentication', 'The UsernameToken nonce was used before');
    nonces.seen.set(nonce, nowMs);
  }
  return undefined;
}

/** Base64(SHA-1(nonce bytes + created + password)), UsernameToken Profile 1.1 §3.1. */
export function passwordDigest(nonceBase64: string, created: string, password: string): string {
  return createHash('sha1').update(Buffer.concat([Buffer.from(nonceBase64, 'base64'), Buffer.from(created + password, 'utf8')])).digest('base64');
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

const refuse = (subcode: string, reason: string): Fault => ({ code: 'Sender', subcode: `wsse:${subcode}`, reason });
