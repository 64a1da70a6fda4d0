/**
 * Connectors: the configured link to one agency system. Declared in a file (MASH_CONNECTORS)
 * or stored in the database. Secrets are referenced by environment variable or file, so
 * configuration files never hold them (CONVENTIONS.md anti-patterns).
 */
import { z } from 'zod';
import { Agency, Sensitivity } from './agency.ts';
import { LawfulBasisDeclaration } from './lawful-basis.ts';

/** An agency endpoint: a URL of bounded length (every string a caller sends has a bound). */
const HttpUrl = z.url().max(2048);

/**
 * A secret given indirectly: `{ env: "NAME" }` or `{ file: "/run/secrets/x" }`; or inline,
 * `{ value: "…" }`, which the store seals at rest and never gives back: answers show
 * `{ sealed: true }` in its place, and sending `{ sealed: true }` back keeps the sealed credential
 * (docs/decisions.md "Connector administration": credentials are write-only).
 */
export const SecretRef = z.union([
  z.object({ env: z.string().max(200).regex(/^[A-Z_][A-Z0-9_]*$/) }).strict(),
  z.object({ file: z.string().min(1).max(1024) }).strict(),
  z.object({ value: z.string().min(1).max(16_384) }).strict(),
  z.object({ sealed: z.literal(true) }).strict().meta({ description: 'A credential sealed in the store: write-only, never shown; send it back as is to keep it.' }),
]);
export type SecretRef = z.infer<typeof SecretRef>;

/** A connector's rate-limit tolerance unless it declares one (src/research/rate-limit.ts). */
export const DEFAULT_RATE_TOLERANCE_MS = 150;

export const ConnectorAuthConfig = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }).strict(),
  z.object({ kind: z.literal('bearer'), token: SecretRef }).strict(),
  z.object({ kind: z.literal('basic'), username: z.string().min(1).max(200), password: SecretRef }).strict(),
  z
    .object({
      kind: z.literal('oauth2-client-credentials'),
      tokenUrl: HttpUrl,
      clientId: z.string().min(1).max(200),
      clientSecret: SecretRef.optional(),
      privateKey: SecretRef.optional(),
      keyId: z.string().max(200).optional(),
      scope: z.string().max(1000).optional(),
    })
    .strict()
    .refine((a) => (a.clientSecret === undefined) !== (a.privateKey === undefined), 'give exactly one of clientSecret or privateKey'),
  z.object({ kind: z.literal('ws-security'), username: z.string().min(1).max(200), password: SecretRef }).strict(),
]);
export type ConnectorAuthConfig = z.infer<typeof ConnectorAuthConfig>;

export const CONNECTOR_TYPES = ['fhir-r4', 'police-soap', 'education-xml', 'housing-rest', 'social-care-rest'] as const;
export const ConnectorType = z.enum(CONNECTOR_TYPES);
export type ConnectorType = z.infer<typeof ConnectorType>;

/** How one connector retries a transient failure (see `Connector.retry`). */
export const ConnectorRetry = z
  .object({
    attempts: z.number().int().min(1).max(10).default(4),
    backoffMs: z.number().int().min(0).max(60_000).default(500),
    maxDelayMs: z.number().int().min(0).max(3_600_000).default(30_000),
  })
  .strict();
export type ConnectorRetry = z.infer<typeof ConnectorRetry>;

/** When one connector's circuit opens and how long it stays open (see `Connector.breaker`). */
export const ConnectorBreaker = z
  .object({
    consecutiveFailures: z.number().int().min(1).max(1000).default(5),
    halfOpenAfterMs: z.number().int().min(100).max(3_600_000).default(30_000),
  })
  .strict();
export type ConnectorBreaker = z.infer<typeof ConnectorBreaker>;

export const Connector = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and "-"'),
    agency: Agency,
    type: ConnectorType,
    /** The agency system's name as it appears in provenance ("GP Connect", "Niche RMS"). */
    sourceSystem: z.string().min(1).max(100),
    baseUrl: HttpUrl,
    auth: ConnectorAuthConfig.default({ kind: 'none' }),
    enabled: z.boolean().default(true),
    timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
    maxResponseBytes: z.number().int().min(1024).max(100 * 1024 * 1024).default(5 * 1024 * 1024),
    maxPages: z.number().int().min(1).max(100).default(10),
    /**
     * Most candidate people whose records one lookup reads. An agency search that matches more
     * ends the lookup `partial`, with the counts read and reported (never silently complete).
     */
    maxCandidates: z.number().int().min(1).max(50).default(5),
    /** Where the agency hears the outcome of cases it contributed to (DESIGN.md rule 8); co-located or not. */
    feedbackUrl: HttpUrl.optional(),
    /** Sensitivities revealed to the hub without a practitioner's action (firewall issue). */
    autoReveal: z.array(Sensitivity).default(['open']),
    /**
     * The consent its lookups need at each threshold (DESIGN.md rule 7); without it, the agency's
     * default (`defaultLawfulBasisDeclaration`).
     */
    lawfulBasis: LawfulBasisDeclaration.optional(),
    /**
     * Retries of a transient failure within one lookup (docs/decisions.md, "Resilient
     * connectors"): `attempts` in all, the first included, waiting `backoffMs` doubled per retry
     * with jitter, or the agency's `Retry-After` when longer, never past `maxDelayMs` — and never
     * past the referral's SLA due time, whatever the count.
     */
    retry: ConnectorRetry.default(ConnectorRetry.parse({})),
    /**
     * The circuit breaker: after `consecutiveFailures` lookups in a row end in a transient
     * failure, calls stop for `halfOpenAfterMs`; then one lookup tries, and its success closes it.
     */
    breaker: ConnectorBreaker.default(ConnectorBreaker.parse({})),
    /** Lookups of this connector running at once in one worker process (the rest queue). */
    concurrency: z.number().int().min(1).max(256).default(8),
    /**
     * The agency's request rate, held across every worker process of the deployment (in Redis
     * when distributed): a request over it waits for its turn, it is never sent early or failed.
     */
    rateLimit: z
      .object({
        requestsPerSecond: z.number().positive().max(10_000),
        /**
         * How much later than it was let go a request may reach the agency beyond the sender's
         * event-loop delay, which is measured as it happens (the agency's own queue, the
         * network): the window is widened by it, so a late request never lands in a full second.
         */
        toleranceMs: z.number().int().min(0).max(10_000).default(DEFAULT_RATE_TOLERANCE_MS),
      })
      .strict()
      .optional(),
  })
  .strict();
export type Connector = z.infer<typeof Connector>;

export const ConnectorFile = z.object({ connectors: z.array(Connector) }).strict();
