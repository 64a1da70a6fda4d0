/**
 * The one adapter port (CONVENTIONS.md §5). An adapter speaks one agency protocol: a subject
 * query goes in, the agency's raw records and the orchestrations it performed come out.
 * Adapters import nothing of the hub; these types are their whole world.
 */
import type { ErrorCode } from '../lib/errors.ts';

/** Who we are asking about, in the terms every agency protocol can search on. */
export interface SubjectQuery {
  readonly given: readonly string[];
  readonly family: string;
  readonly otherNames: readonly { readonly given: readonly string[]; readonly family: string }[];
  readonly birthDate?: string | undefined;
  readonly sex?: 'female' | 'male' | 'other' | 'unknown' | undefined;
  readonly postcode?: string | undefined;
  readonly addressLines: readonly string[];
  readonly identifiers: readonly { readonly system: string; readonly value: string }[];
}

/** How an adapter authenticates to its agency. Secrets arrive resolved; never logged. */
export type ConnectorAuth =
  | { readonly kind: 'none' }
  | { readonly kind: 'bearer'; readonly token: string }
  | { readonly kind: 'basic'; readonly username: string; readonly password: string }
  | {
      readonly kind: 'oauth2-client-credentials';
      readonly tokenUrl: string;
      readonly clientId: string;
      /** Either a shared secret, or a private key (PKCS#8 PEM) for a signed JWT client assertion (SMART backend services). */
      readonly clientSecret?: string | undefined;
      readonly privateKeyPem?: string | undefined;
      readonly keyId?: string | undefined;
      readonly scope?: string | undefined;
    }
  | { readonly kind: 'ws-security'; readonly username: string; readonly password: string };

/** What an adapter needs of its connector: where, how, and how long to wait. */
export interface ConnectorSettings {
  readonly id: string;
  readonly baseUrl: string;
  readonly auth: ConnectorAuth;
  /** Budget for the whole lookup, all pages and follow-up calls included. */
  readonly timeoutMs: number;
  /** Largest response body accepted, in bytes; bigger ones fail the lookup. */
  readonly maxResponseBytes: number;
  /** Page limit when following `next` links. */
  readonly maxPages: number;
  /** Most candidate people whose records are read; further candidates are a cut (`candidate-cap`). */
  readonly maxCandidates: number;
}

/** One outbound call: redacted metadata, never bodies or secrets (OpenHIM orchestrations). */
export interface Orchestration {
  readonly name: string;
  readonly method: string;
  /** The URL with query values of identifying parameters and any credentials removed. */
  readonly url: string;
  readonly status: number | null;
  readonly durationMs: number;
  readonly startedAt: string;
  readonly error?: string;
}

export type AdapterFailureKind = 'timeout' | 'http-error' | 'protocol-error' | 'malformed-response' | 'too-large' | 'auth-failed' | 'unreachable';

/** The stable codes of adapter failures: the `ADAPTER.*` codes of the one list (src/lib/errors.ts). */
export type AdapterFailureCode = Extract<ErrorCode, `ADAPTER.${string}`>;

/**
 * An expected failure, as a value (CONVENTIONS.md §3): adapters never throw for one. `kind` is
 * what callers switch on; `code` is its stable code; `reason` is safe to show: no payload text.
 */
export interface AdapterFailure {
  readonly kind: AdapterFailureKind;
  readonly code: AdapterFailureCode;
  readonly reason: string;
  /**
   * Present when the same call may well succeed later (docs/decisions.md, "Resilient
   * connectors"): the agency could not be reached, said it is overloaded or briefly unavailable
   * (HTTP 429, 502, 503, 504 — RFC 9110 §15.6), or answered a SOAP Receiver fault ("the message
   * could succeed if resent at a later point in time", SOAP 1.2 Part 1 §5.4.6). Absent for a
   * client error, a refused credential, a malformed answer or a spent deadline: the same request
   * would meet the same answer. `retryAfterMs` is the agency's own `Retry-After`, when it gave one.
   */
  readonly transient?: { readonly retryAfterMs?: number | undefined } | undefined;
}

/**
 * Why an answer is incomplete (DESIGN.md: "honest partial pictures"):
 * - `candidate-cap`: more people matched than the connector reads (`maxCandidates`);
 * - `page-cap`: a search had more pages than the connector follows (`maxPages`);
 * - `agency-limit`: the agency itself held back matches — it said too many matched (PDS
 *   `TOO_MANY_MATCHES`), or reported more matches than it returned.
 */
export type CutReason = 'candidate-cap' | 'page-cap' | 'agency-limit';

/** One search whose answer was cut: where, why, and how much was read of how much the agency reported. */
export interface AnswerCut {
  readonly reason: CutReason;
  /** The search, as its orchestration names it ("Patient search", "Encounter search"): never personal data. */
  readonly search: string;
  /** Records of this search read (and passed on). */
  readonly read: number;
  /** Records the agency said matched, where it said (Bundle.total, TotalMatchCount, totalItems…); null where not. */
  readonly reported: number | null;
}

/**
 * A found answer carries its cuts beside its records: an empty list is a complete answer; any
 * cut makes the lookup `partial`, with these counts (never a silent gap).
 */
export type AdapterOutcome<Raw> =
  | { readonly kind: 'found'; readonly records: Raw; readonly cuts: readonly AnswerCut[]; readonly orchestrations: readonly Orchestration[] }
  | { readonly kind: 'failed'; readonly failure: AdapterFailure; readonly orchestrations: readonly Orchestration[] };

export interface AdapterContext {
  readonly signal?: AbortSignal | undefined;
  readonly fetch?: typeof globalThis.fetch | undefined;
}

/** One agency protocol. `Raw` is the adapter's own record shape, handed to its mapper. */
export interface AgencyAdapter<Raw> {
  readonly type: string;
  search(query: SubjectQuery, settings: ConnectorSettings, context?: AdapterContext): Promise<AdapterOutcome<Raw>>;
}
