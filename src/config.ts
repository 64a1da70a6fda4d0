/**
 * One configuration object, parsed once at boot from the environment (CONVENTIONS.md §1, §2).
 * A bad value stops the process with a one-line message naming the variable.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseDurationSeconds } from './lib/duration.ts';
import { ConfigError } from './lib/errors.ts';
import { ConnectorFile, type Connector } from './model/connector.ts';
import type { RepeatConcernRule } from './model/repeat-concern.ts';
import { holidaysOf, parseWorkingDays, parseWorkingHours, WorkingCalendar, type WorkingCalendarSpec } from './model/working-calendar.ts';

/** GOV.UK's bank holidays for England and Wales, shipped with the project (contracts/calendar/README.md). */
const SHIPPED_BANK_HOLIDAYS = fileURLToPath(new URL('../contracts/calendar/bank-holidays.json', import.meta.url));

const LogLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

const positiveInt = (fallback: number, max: number) => z.coerce.number().int().min(1).max(max).default(fallback);

/** A duration (`30s`, `15m`, `8h`, `1d` or seconds), read as seconds within bounds. */
const durationSeconds = (fallback: string, min: number, max: number) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const seconds = parseDurationSeconds(text);
      if (seconds === undefined || seconds < min || seconds > max) {
        ctx.addIssue({ code: 'custom', message: `must be a duration from ${min} s to ${max} s, such as 30s, 15m or 8h` });
        return z.NEVER;
      }
      return seconds;
    });

/** The environment variables we read, with their defaults. Documented in README "Configuration". */
export const EnvSchema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  MASH_PUBLIC_URL: z.url().optional(),
  MASH_ROLE: z.enum(['all', 'gateway', 'worker']).default('all'),
  MASH_DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
  MASH_CONNECTORS: z.string().min(1).optional(),
  MASH_SIMULATORS: z.enum(['auto', 'on', 'off']).default('auto'),
  MASH_SIMULATOR_HOST: z.string().default('127.0.0.1'),
  MASH_JWT_PUBLIC_KEY: z.string().min(1).optional(),
  MASH_JWKS_URL: z.url().optional(),
  MASH_JWT_ISSUER: z.string().min(1).default('mash-gateway'),
  MASH_JWT_AUDIENCE: z.string().min(1).default('mash-gateway'),
  // A working shift; an identity provider's access tokens are usually far shorter.
  MASH_JWT_MAX_LIFETIME: durationSeconds('8h', 60, 86_400),
  MASH_JWT_CLOCK_SKEW: durationSeconds('60s', 0, 300),
  MASH_WORKER_CONCURRENCY: positiveInt(16, 256),
  MASH_JOB_ATTEMPTS: positiveInt(5, 50),
  MASH_JOB_BACKOFF_MS: positiveInt(1000, 600_000),
  // How long a running job's lock outlives its worker (docs/decisions.md "Crash recovery in seconds").
  MASH_JOB_LOCK_MS: z.coerce.number().int().min(1_000).max(600_000).default(6_000),
  MASH_SHUTDOWN_GRACE_MS: positiveInt(10_000, 600_000),
  MASH_RECOVERY_SWEEP_MS: positiveInt(60_000, 86_400_000),
  MASH_LOOKUP_RECOVERY_MS: positiveInt(30_000, 86_400_000),
  MASH_AUDIT_SIGNING_KEY: z.string().min(1).optional(),
  MASH_MASTER_KEY: z.string().min(1).optional(),
  MASH_HOST_URL: z.url().optional(),
  MASH_HOST_FORMAT: z.enum(['rest', 'fhir']).default('rest'),
  MASH_HOST_TOKEN_FILE: z.string().min(1).optional(),
  MASH_OUTBOX_ATTEMPTS: positiveInt(10, 100),
  MASH_OUTBOX_BACKOFF_MS: positiveInt(2_000, 3_600_000),
  MASH_OUTBOX_LEASE_MS: positiveInt(10_000, 3_600_000),
  MASH_FAMILY_DEPTH: z.coerce.number().int().min(0).max(3).default(1),
  MASH_RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).optional(),
  MASH_RETENTION_SWEEP_MS: positiveInt(3_600_000, 86_400_000),
  MASH_MASTER_KEY_FILE: z.string().min(1).optional(),
  MASH_AUDIT_CHECKPOINT_EVERY: positiveInt(1000, 10_000_000),
  MASH_AUDIT_CHECKPOINT_MS: positiveInt(60_000, 86_400_000),
  // The working-hours clock of the SLA (DESIGN.md "Risk-led timing"; contracts/calendar/README.md).
  MASH_TIME_ZONE: z.string().min(1).default('Europe/London'),
  MASH_WORKING_DAYS: z.string().default('mon-fri'),
  MASH_WORKING_HOURS: z.string().default('09:00-17:00'),
  MASH_BANK_HOLIDAYS: z.string().min(1).optional(),
  MASH_BANK_HOLIDAYS_DIVISION: z.string().min(1).default('england-and-wales'),
  MASH_SLA_AT_RISK: z.coerce.number().gt(0).lt(1).default(0.75),
  // Prometheus metrics (README "Metrics"): GET /metrics on the gateway behind auth, and/or a listener without.
  MASH_METRICS_ON_GATEWAY: z.enum(['on', 'off']).default('on'),
  MASH_METRICS_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
  MASH_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  // The hub console (docs/decisions.md "The hub console").
  MASH_CONSOLE: z.enum(['on', 'off']).default('on'),
  MASH_CONSOLE_DEMO_SIGN_IN: z.enum(['auto', 'on', 'off']).default('auto'),
  MASH_CONSOLE_SESSION_MINUTES: z.coerce.number().int().min(5).max(1_440).default(480),
  // Sign-in through the council's identity provider (OpenID Connect; docs/decisions.md "The hub console").
  MASH_OIDC_ISSUER: z.url().optional(),
  MASH_OIDC_CLIENT_ID: z.string().min(1).max(200).optional(),
  MASH_OIDC_CLIENT_SECRET_FILE: z.string().min(1).optional(),
  MASH_OIDC_REDIRECT_URL: z.url().optional(),
  MASH_OIDC_SCOPES: z.string().min(1).max(500).default('openid profile email'),
  MASH_OIDC_ROLE_CLAIM: z.string().min(1).max(100).default('groups'),
  MASH_OIDC_ROLE_MAP: z.string().min(2).optional(),
  MASH_OIDC_AGENCY_CLAIM: z.string().min(1).max(100).default('agency'),
  MASH_OIDC_AGENCY_MAP: z.string().min(2).optional(),
  MASH_OIDC_NAME_CLAIM: z.string().min(1).max(100).default('email'),
  // Repeat concerns (DESIGN.md rule 1): N notifications from M agencies within a window of months.
  MASH_REPEAT_CONCERN_NOTIFICATIONS: z.coerce.number().int().min(2).max(100).default(3),
  MASH_REPEAT_CONCERN_AGENCIES: z.coerce.number().int().min(1).max(20).default(2),
  MASH_REPEAT_CONCERN_MONTHS: z.coerce.number().int().min(1).max(120).default(12),
  // The person index's model (docs/decisions.md "The live person index trains its own model",
  // "Outcome bands are configuration"): how often it is estimated again ('off': never), and the
  // posterior probabilities of the automatic-match and possible-match bands (unset: 8 and 0 bits).
  MASH_MODEL_ESTIMATION_EVERY: z
    .string()
    .default('1d')
    .transform((text, ctx) => {
      if (text === 'off') return undefined;
      const seconds = parseDurationSeconds(text);
      if (seconds === undefined || seconds < 1 || seconds > 30 * 86_400) {
        ctx.addIssue({ code: 'custom', message: 'must be off, or a duration from 1 s to 30 days, such as 12h or 1d' });
        return z.NEVER;
      }
      return seconds;
    }),
  MASH_MATCH_AUTO_PROBABILITY: z.coerce.number().gt(0, 'must be a probability strictly between 0 and 1').lt(1, 'must be a probability strictly between 0 and 1').optional(),
  MASH_MATCH_POSSIBLE_PROBABILITY: z.coerce.number().gt(0, 'must be a probability strictly between 0 and 1').lt(1, 'must be a probability strictly between 0 and 1').optional(),
  LOG_LEVEL: LogLevel.default('info'),
});

/** Log2 odds of a posterior probability: the scale the matcher's score and thresholds are on. */
export const bitsOf = (probability: number): number => Math.log2(probability / (1 - probability));

/** Today's bands in log2 odds: automatic match at ≥ 8 bits (posterior 256/257 ≈ 0.9961), possible at ≥ 0 bits (0.5). */
const DEFAULT_MATCH_BITS = 8;
const DEFAULT_POSSIBLE_BITS = 0;

/** The outcome bands from their variables (probabilities), checked: the possible band must lie below the automatic one. */
function readMatchBands(e: z.infer<typeof EnvSchema>): Config['matching'] {
  const match = e.MASH_MATCH_AUTO_PROBABILITY === undefined ? DEFAULT_MATCH_BITS : bitsOf(e.MASH_MATCH_AUTO_PROBABILITY);
  const possible = e.MASH_MATCH_POSSIBLE_PROBABILITY === undefined ? DEFAULT_POSSIBLE_BITS : bitsOf(e.MASH_MATCH_POSSIBLE_PROBABILITY);
  if (!(possible < match)) {
    const auto = e.MASH_MATCH_AUTO_PROBABILITY ?? 'its default 0.9961 (8 bits)';
    const maybe = e.MASH_MATCH_POSSIBLE_PROBABILITY ?? 'its default 0.5 (0 bits)';
    const variable = e.MASH_MATCH_POSSIBLE_PROBABILITY === undefined ? 'MASH_MATCH_AUTO_PROBABILITY' : 'MASH_MATCH_POSSIBLE_PROBABILITY';
    throw new ConfigError(variable, `the possible-match band must lie below the automatic one: MASH_MATCH_POSSIBLE_PROBABILITY must be below MASH_MATCH_AUTO_PROBABILITY (possible ${String(maybe)}, automatic ${String(auto)})`);
  }
  return { matchBits: match, possibleBits: possible };
}

/**
 * Sign-in through the council's identity provider (OpenID Connect, code flow with PKCE), and how
 * its claims become a hub principal (src/gateway/console/oidc.ts).
 */
export interface OidcOptions {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string | undefined;
  /** The callback URL registered with the provider; the request's own origin when unset. */
  readonly redirectUrl: string | undefined;
  readonly scopes: string;
  /** The claim holding the person's groups or roles, and which value means which hub role (a value naming a role maps to it). */
  readonly roleClaim: string;
  readonly roleMap: Readonly<Record<string, string>>;
  readonly agencyClaim: string;
  readonly agencyMap: Readonly<Record<string, string>>;
  /** The claim the audit log names the person by. */
  readonly nameClaim: string;
}

export interface Config {
  readonly host: string;
  readonly port: number;
  readonly publicUrl: string | undefined;
  readonly role: 'all' | 'gateway' | 'worker';
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  readonly redisUrl: string | undefined;
  /** Connectors declared in MASH_CONNECTORS, already validated. */
  readonly declaredConnectors: readonly Connector[];
  readonly connectorsFile: string | undefined;
  readonly simulators: 'auto' | 'on' | 'off';
  readonly simulatorHost: string;
  readonly jwt: {
    readonly publicKeyPem: string | undefined;
    readonly jwksUrl: string | undefined;
    readonly issuer: string;
    readonly audience: string;
    /** The longest token lifetime (`exp − iat`) accepted, in seconds. */
    readonly maxLifetimeSeconds: number;
    /** Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds. */
    readonly clockSkewSeconds: number;
  };
  /** `lockMs`: BullMQ's lock on a running job, renewed while it runs; a dead worker's jobs run again within about 1.5× it. */
  readonly jobs: { readonly concurrency: number; readonly attempts: number; readonly backoffMs: number; readonly lockMs: number };
  readonly shutdownGraceMs: number;
  /** How often workers re-schedule unfinished research found in the store. */
  readonly recoverySweepMs: number;
  /** How often failed lookups of a recovered agency are looked for, and the first wait before probing a silent one. */
  readonly lookupRecoveryMs: number;
  readonly audit: { readonly signingKeyPem: string | undefined; readonly checkpointEvery: number; readonly checkpointMaxAgeMs: number };
  /** The host case system products are pushed to; without a URL hosts pull (GET /v1/products). */
  readonly hostSystem: { readonly url: string | undefined; readonly format: 'rest' | 'fhir'; readonly tokenFile: string | undefined };
  readonly outbox: { readonly attempts: number; readonly backoffMs: number; readonly leaseMs: number };
  /** Waves of household members looked up beyond the referral's subjects (0: none). */
  readonly familyDepth: number;
  /**
   * The hub console, or undefined when switched off. Its demonstration sign-in is on by default
   * only embedded (PGlite: synthetic people); its cookies are `Secure` when the public URL is https.
   */
  readonly console: { readonly demoSignIn: boolean; readonly secureCookies: boolean; readonly sessionMinutes: number; readonly oidc: OidcOptions | undefined } | undefined;
  /** Days after publication and closure before a case's content is destroyed; unset keeps it. */
  readonly retention: { readonly days: number | undefined; readonly sweepMs: number };
  /** Where the master key comes from; resolved (and, embedded, created) by src/store/master-key.ts. */
  readonly masterKey: { readonly base64: string | undefined; readonly file: string | undefined };
  /** The hub's working hours and holidays, which the SLA clock counts (DESIGN.md "Risk-led timing"). */
  readonly calendar: WorkingCalendarSpec;
  /** The share of a referral's working time after which it is flagged at risk of breaching. */
  readonly slaAtRiskFraction: number;
  /**
   * Prometheus metrics: `onGateway` serves GET /metrics on the gateway's port behind bearer auth
   * (`metrics:read`); `port` (with `host`) opens a listener without auth, the only one a worker has.
   */
  readonly metrics: { readonly onGateway: boolean; readonly port: number | undefined; readonly host: string };
  /** When a child's notifications make a repeat concern (src/model/repeat-concern.ts). */
  readonly repeatConcern: RepeatConcernRule;
  /**
   * The person index's outcome bands in log2 odds (the matcher's score): at or above `matchBits`
   * an automatic match (still only with person-level evidence), at or above `possibleBits` a
   * possible match for a practitioner; applied to every model version.
   */
  readonly matching: { readonly matchBits: number; readonly possibleBits: number };
  /** How often the person index's model is estimated again from its records; undefined: never. */
  readonly modelEstimationEveryMs: number | undefined;
  readonly logLevel: z.infer<typeof LogLevel>;
}

/** Parse the environment. Throws ConfigError naming the first bad variable. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  // Empty strings count as unset: compose files and shells often export `VAR=`.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue?.path[0] ?? 'environment');
    throw new ConfigError(variable, issue?.message ?? 'invalid');
  }
  const e = parsed.data;
  if (e.MASH_ROLE !== 'all' && (e.DATABASE_URL === undefined || e.REDIS_URL === undefined)) {
    // Separate gateway and worker processes share work only through PostgreSQL and Redis.
    throw new ConfigError('MASH_ROLE', `"${e.MASH_ROLE}" needs DATABASE_URL and REDIS_URL (embedded mode runs as "all")`);
  }
  if (e.MASH_JWT_PUBLIC_KEY !== undefined && e.MASH_JWKS_URL !== undefined) {
    throw new ConfigError('MASH_JWKS_URL', 'give either MASH_JWKS_URL or MASH_JWT_PUBLIC_KEY, not both');
  }
  return {
    host: e.HOST,
    port: e.PORT,
    publicUrl: e.MASH_PUBLIC_URL,
    role: e.MASH_ROLE,
    dataDir: path.resolve(e.MASH_DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    declaredConnectors: e.MASH_CONNECTORS === undefined ? [] : readConnectorFile(e.MASH_CONNECTORS),
    connectorsFile: e.MASH_CONNECTORS,
    simulators: e.MASH_SIMULATORS,
    simulatorHost: e.MASH_SIMULATOR_HOST,
    jwt: {
      publicKeyPem: e.MASH_JWT_PUBLIC_KEY === undefined ? undefined : readPem(e.MASH_JWT_PUBLIC_KEY, 'MASH_JWT_PUBLIC_KEY'),
      jwksUrl: e.MASH_JWKS_URL,
      issuer: e.MASH_JWT_ISSUER,
      audience: e.MASH_JWT_AUDIENCE,
      maxLifetimeSeconds: e.MASH_JWT_MAX_LIFETIME,
      clockSkewSeconds: e.MASH_JWT_CLOCK_SKEW,
    },
    jobs: { concurrency: e.MASH_WORKER_CONCURRENCY, attempts: e.MASH_JOB_ATTEMPTS, backoffMs: e.MASH_JOB_BACKOFF_MS, lockMs: e.MASH_JOB_LOCK_MS },
    shutdownGraceMs: e.MASH_SHUTDOWN_GRACE_MS,
    recoverySweepMs: e.MASH_RECOVERY_SWEEP_MS,
    lookupRecoveryMs: e.MASH_LOOKUP_RECOVERY_MS,
    audit: {
      signingKeyPem: e.MASH_AUDIT_SIGNING_KEY === undefined ? undefined : readPem(e.MASH_AUDIT_SIGNING_KEY, 'MASH_AUDIT_SIGNING_KEY'),
      checkpointEvery: e.MASH_AUDIT_CHECKPOINT_EVERY,
      checkpointMaxAgeMs: e.MASH_AUDIT_CHECKPOINT_MS,
    },
    masterKey: { base64: e.MASH_MASTER_KEY, file: e.MASH_MASTER_KEY_FILE },
    hostSystem: { url: e.MASH_HOST_URL, format: e.MASH_HOST_FORMAT, tokenFile: e.MASH_HOST_TOKEN_FILE },
    familyDepth: e.MASH_FAMILY_DEPTH,
    console:
      e.MASH_CONSOLE === 'off'
        ? undefined
        : {
            demoSignIn: e.MASH_CONSOLE_DEMO_SIGN_IN === 'on' || (e.MASH_CONSOLE_DEMO_SIGN_IN === 'auto' && e.DATABASE_URL === undefined),
            secureCookies: e.MASH_PUBLIC_URL?.startsWith('https:') === true,
            sessionMinutes: e.MASH_CONSOLE_SESSION_MINUTES,
            oidc: readOidc(e),
          },
    retention: { days: e.MASH_RETENTION_DAYS, sweepMs: e.MASH_RETENTION_SWEEP_MS },
    outbox: { attempts: e.MASH_OUTBOX_ATTEMPTS, backoffMs: e.MASH_OUTBOX_BACKOFF_MS, leaseMs: e.MASH_OUTBOX_LEASE_MS },
    calendar: readCalendar(e),
    slaAtRiskFraction: e.MASH_SLA_AT_RISK,
    metrics: { onGateway: e.MASH_METRICS_ON_GATEWAY === 'on', port: e.MASH_METRICS_PORT, host: e.MASH_METRICS_HOST },
    repeatConcern: { minNotifications: e.MASH_REPEAT_CONCERN_NOTIFICATIONS, minAgencies: e.MASH_REPEAT_CONCERN_AGENCIES, windowMonths: e.MASH_REPEAT_CONCERN_MONTHS },
    matching: readMatchBands(e),
    modelEstimationEveryMs: e.MASH_MODEL_ESTIMATION_EVERY === undefined ? undefined : e.MASH_MODEL_ESTIMATION_EVERY * 1000,
    logLevel: e.LOG_LEVEL,
  };
}

/** The working calendar from its variables; each problem names its variable. */
function readCalendar(e: z.infer<typeof EnvSchema>): WorkingCalendarSpec {
  const days = parseWorkingDays(e.MASH_WORKING_DAYS);
  if (days === undefined) throw new ConfigError('MASH_WORKING_DAYS', 'must be days such as mon-fri or mon-wed,fri');
  const hours = parseWorkingHours(e.MASH_WORKING_HOURS);
  if (hours === undefined) throw new ConfigError('MASH_WORKING_HOURS', 'must be a start and end such as 09:00-17:00');
  const file = e.MASH_BANK_HOLIDAYS ?? SHIPPED_BANK_HOLIDAYS;
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new ConfigError('MASH_BANK_HOLIDAYS', `cannot read ${file} as JSON`);
  }
  const holidays = holidaysOf(document, e.MASH_BANK_HOLIDAYS_DIVISION);
  if (!holidays.ok) throw new ConfigError('MASH_BANK_HOLIDAYS', `${file} ${holidays.error.message}`);
  const spec: WorkingCalendarSpec = { timeZone: e.MASH_TIME_ZONE, days, ...hours, holidays: holidays.value };
  try {
    new WorkingCalendar(spec);
  } catch {
    throw new ConfigError('MASH_TIME_ZONE', `"${e.MASH_TIME_ZONE}" is not a time zone this platform knows (use an IANA name such as Europe/London)`);
  }
  return spec;
}

/** A key variable holds a PEM, or the path of a file holding one. */
/** A JSON object of strings from a variable (`{"mash-managers": "hub-manager"}`), or {} when unset. */
function stringMap(value: string | undefined, variable: string): Record<string, string> {
  if (value === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new ConfigError(variable, 'must be a JSON object of strings, e.g. {"mash-managers": "hub-manager"}');
  }
  const map = z.record(z.string(), z.string()).safeParse(parsed);
  if (!map.success) throw new ConfigError(variable, 'must be a JSON object of strings, e.g. {"mash-managers": "hub-manager"}');
  return map.data;
}

/** The identity provider's settings, all or none: the issuer and client id go together. */
function readOidc(e: z.infer<typeof EnvSchema>): OidcOptions | undefined {
  if (e.MASH_OIDC_ISSUER === undefined && e.MASH_OIDC_CLIENT_ID === undefined) return undefined;
  if (e.MASH_OIDC_ISSUER === undefined) throw new ConfigError('MASH_OIDC_ISSUER', 'is needed with MASH_OIDC_CLIENT_ID');
  if (e.MASH_OIDC_CLIENT_ID === undefined) throw new ConfigError('MASH_OIDC_CLIENT_ID', 'is needed with MASH_OIDC_ISSUER');
  let clientSecret: string | undefined;
  if (e.MASH_OIDC_CLIENT_SECRET_FILE !== undefined) {
    try {
      clientSecret = readFileSync(e.MASH_OIDC_CLIENT_SECRET_FILE, 'utf8').trim();
    } catch {
      throw new ConfigError('MASH_OIDC_CLIENT_SECRET_FILE', `cannot read ${e.MASH_OIDC_CLIENT_SECRET_FILE}`);
    }
  }
  return {
    issuer: e.MASH_OIDC_ISSUER,
    clientId: e.MASH_OIDC_CLIENT_ID,
    clientSecret,
    redirectUrl: e.MASH_OIDC_REDIRECT_URL,
    scopes: e.MASH_OIDC_SCOPES,
    roleClaim: e.MASH_OIDC_ROLE_CLAIM,
    roleMap: stringMap(e.MASH_OIDC_ROLE_MAP, 'MASH_OIDC_ROLE_MAP'),
    agencyClaim: e.MASH_OIDC_AGENCY_CLAIM,
    agencyMap: stringMap(e.MASH_OIDC_AGENCY_MAP, 'MASH_OIDC_AGENCY_MAP'),
    nameClaim: e.MASH_OIDC_NAME_CLAIM,
  };
}

function readPem(value: string, variable: string): string {
  if (value.includes('-----BEGIN')) return value.replaceAll('\\n', '\n');
  try {
    return readFileSync(value, 'utf8');
  } catch {
    throw new ConfigError(variable, 'neither a PEM nor a readable file');
  }
}

/** Read and validate a connector declaration file, JSON or YAML. */
export function readConnectorFile(file: string): Connector[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ConfigError('MASH_CONNECTORS', `cannot read ${file}`);
  }
  let document: unknown;
  try {
    document = /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch {
    throw new ConfigError('MASH_CONNECTORS', `${file} is not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}`);
  }
  const parsed = ConnectorFile.safeParse(document);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError('MASH_CONNECTORS', `${file}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  const ids = parsed.data.connectors.map((c) => c.id);
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate !== undefined) throw new ConfigError('MASH_CONNECTORS', `${file}: connector id "${duplicate}" is declared twice`);
  return parsed.data.connectors;
}
