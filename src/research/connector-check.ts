/**
 * The live test of a connector an administrator runs (docs/decisions.md "Connector
 * administration"): resolve its credentials, obtain a token where its auth needs one (OAuth 2.0
 * client credentials, RFC 6749 §4.4), reach its endpoint, run a harmless search — a synthetic
 * subject that matches nobody — and check the answer parses with the connector's own adapter and
 * mapper. It says which step failed and why in words an administrator can act on, with each
 * step's status and time. It never returns case content: counts, codes and the adapter's reasons
 * (which carry no payload text, src/adapters/port.ts) only.
 *
 * Why its own module: a lookup runs inside a referral's deadline, retries and breaker
 * (src/research/lookup.ts); a test is one attempt, step by step, so that a failure is located.
 */
import { connect } from 'node:net';
import { authorize, createTokenCache } from '../adapters/http/auth.ts';
import type { ConnectorSettings, SubjectQuery } from '../adapters/port.ts';
import type { Clock } from '../lib/clock.ts';
import { describeError, MashError } from '../lib/errors.ts';
import type { Connector } from '../model/connector.ts';
import type { ConnectorRegistry, KitOutcome } from './registry.ts';
import { connectorSettings } from './secrets.ts';

export const CHECK_STEPS = ['credentials', 'token', 'connect', 'search', 'shape'] as const;
export type CheckStepName = (typeof CHECK_STEPS)[number];

export interface CheckStep {
  readonly step: CheckStepName;
  readonly status: 'passed' | 'failed' | 'skipped';
  readonly durationMs: number;
  /** What happened, for an administrator: never case content. */
  readonly detail: string;
}

export interface CheckResult {
  readonly ok: boolean;
  /** The first step that failed; null when all passed. */
  readonly failedStep: CheckStepName | null;
  /** The failed step's detail, prefixed with its name ("connect: nothing is listening …"); null when all passed. */
  readonly summary: string | null;
  readonly durationMs: number;
  readonly steps: readonly CheckStep[];
}

export interface CheckDeps {
  readonly registry: ConnectorRegistry;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly clock: Clock;
  readonly fetch?: typeof globalThis.fetch | undefined;
}

/**
 * The synthetic subject of a test search: a name and birth date no one has (1900), and the
 * postcode ZZ99 9ZZ, outside every postcode area, so searches that need a birth date or a
 * postcode beside the name can run and match nobody.
 */
export const CHECK_SUBJECT: SubjectQuery = {
  given: ['Connectorcheck'],
  family: 'Nobody-Matches',
  otherNames: [],
  birthDate: '1900-01-01',
  sex: 'unknown',
  postcode: 'ZZ99 9ZZ',
  addressLines: [],
  identifiers: [],
};

/** A step's outcome before it is timed. */
type Outcome = { readonly passed: true; readonly detail: string } | { readonly passed: false; readonly detail: string };
const passed = (detail: string): Outcome => ({ passed: true, detail });
const failed = (detail: string): Outcome => ({ passed: false, detail });

/** Runs the live test of `connector` (its credentials opened in memory by the caller). */
export async function runConnectorCheck(connector: Connector, deps: CheckDeps): Promise<CheckResult> {
  const steps: CheckStep[] = [];
  const started = performance.now();
  let stopped = false;
  const run = async (step: CheckStepName, body: () => Promise<Outcome | 'skip'>): Promise<void> => {
    if (stopped) {
      steps.push({ step, status: 'skipped', durationMs: 0, detail: 'not run: an earlier step failed' });
      return;
    }
    const at = performance.now();
    let outcome: Outcome | 'skip';
    try {
      outcome = await body();
    } catch (error) {
      outcome = failed(`unexpected error (${describeError(error)})`);
    }
    const durationMs = Math.round(performance.now() - at);
    if (outcome === 'skip') {
      steps.push({ step, status: 'skipped', durationMs, detail: 'not needed for this connector' });
      return;
    }
    if (!outcome.passed) stopped = true;
    steps.push({ step, status: outcome.passed ? 'passed' : 'failed', durationMs, detail: outcome.detail });
  };

  let settings: ConnectorSettings | undefined;
  await run('credentials', () => {
    try {
      settings = connectorSettings(connector, deps.env);
    } catch (error) {
      const reason = error instanceof MashError ? error.message.replace(/^connector secret: /, '') : describeError(error);
      return Promise.resolve(failed(`${reason} — set it where the gateway runs, or give the credential again`));
    }
    return Promise.resolve(passed(connector.auth.kind === 'none' ? 'no credentials needed' : `${connector.auth.kind} credentials resolved`));
  });

  await run('token', async () => {
    if (settings === undefined || settings.auth.kind !== 'oauth2-client-credentials') return 'skip';
    const timeout = AbortSignal.timeout(connector.timeoutMs);
    const token = await authorize(settings.auth, createTokenCache(), {
      signal: timeout,
      env: { fetch: deps.fetch ?? globalThis.fetch, clock: deps.clock, abortKind: () => 'timeout', orchestrations: [] },
    });
    if (token.ok) return passed(`a token was issued by ${new URL(settings.auth.tokenUrl).host}`);
    return failed(`${token.error.reason} — check tokenUrl, clientId and the client secret or key`);
  });

  await run('connect', () => reach(connector.baseUrl, Math.min(connector.timeoutMs, 10_000)));

  let outcome: KitOutcome | undefined;
  await run('search', async () => {
    const kit = deps.registry.get(connector.type);
    if (kit === undefined || settings === undefined) return failed(`this build has no adapter for connector type ${connector.type}`);
    outcome = await kit.lookup(
      CHECK_SUBJECT,
      settings,
      { connectorId: connector.id, sourceSystem: connector.sourceSystem, lookupId: `check-${connector.id}`, retrievedAt: deps.clock.now().toISOString(), lawfulBasis: 'children-act-1989-s47' },
      { signal: AbortSignal.timeout(connector.timeoutMs + 1_000), ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }) },
    );
    if (outcome.kind === 'found') return passed(`the agency answered a search for a synthetic subject (${outcome.orchestrations.length} call${outcome.orchestrations.length === 1 ? '' : 's'})`);
    const { failure } = outcome;
    switch (failure.kind) {
      case 'auth-failed':
        return failed(`the agency refused the credentials (${failure.reason}) — check the auth settings and the credential`);
      case 'http-error':
        return failed(`the agency answered with an error (${failure.reason}) — check the path in baseUrl and the service's own logs`);
      case 'timeout':
        return failed(`no answer within ${connector.timeoutMs} ms (${failure.reason}) — the service is slow or hung: check it, or raise timeoutMs`);
      case 'unreachable':
        return failed(`the connection failed during the search (${failure.reason}) — check baseUrl and that the service is running`);
      case 'protocol-error':
      case 'malformed-response':
      case 'too-large':
        // The agency answered: the shape step says what was wrong with the answer.
        return passed('the agency answered');
      default:
        return failure.kind satisfies never;
    }
  });

  await run('shape', () => {
    if (outcome === undefined) return Promise.resolve(failed('no answer to check'));
    if (outcome.kind === 'found') return Promise.resolve(passed(`the answer parsed as ${connector.type}: ${outcome.facts.length} fact${outcome.facts.length === 1 ? '' : 's'} for the synthetic subject`));
    const { failure } = outcome;
    if (failure.kind === 'too-large') return Promise.resolve(failed(`the answer is larger than maxResponseBytes (${failure.reason}) — raise maxResponseBytes or check baseUrl`));
    return Promise.resolve(failed(`the answer is not what a ${connector.type} connector expects (${failure.reason}) — check that baseUrl points at a ${connector.type} service`));
  });

  const failedStep = steps.find((s) => s.status === 'failed');
  return {
    ok: failedStep === undefined,
    failedStep: failedStep?.step ?? null,
    summary: failedStep === undefined ? null : `${failedStep.step}: ${failedStep.detail}`,
    durationMs: Math.round(performance.now() - started),
    steps,
  };
}

/** Opens (and closes) a TCP connection to the endpoint's host and port: is anything listening? */
function reach(baseUrl: string, timeoutMs: number): Promise<Outcome> {
  const url = new URL(baseUrl);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  const where = `${url.hostname}:${port}`;
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(failed(`no connection to ${where} within ${timeoutMs} ms — check baseUrl, firewalls, and that the service is running`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.end();
      resolve(passed(`${where} accepts connections`));
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(failed(connectFailure(where, url.hostname, error.code)));
    });
  });
}

/** Words an administrator can act on for a failed connection, by the system's error code. */
function connectFailure(where: string, hostname: string, code: string | undefined): string {
  switch (code ?? '') {
    case 'ECONNREFUSED':
      return `nothing is listening at ${where} (connection refused) — check baseUrl and that the service is running`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host ${hostname} is not known (DNS lookup failed) — check the host name in baseUrl`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${where} cannot be reached from the gateway (no route) — check baseUrl and the network between them`;
    case 'ECONNRESET':
      return `${where} closed the connection at once — check that baseUrl names the right port and protocol`;
    default:
      return `could not connect to ${where} (${code ?? 'unknown error'}) — check baseUrl and that the service is running`;
  }
}
