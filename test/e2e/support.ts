/** Shared steps of the end-to-end suites: tokens for a data directory, submitting, waiting, reading. */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { loadOrCreateSigningKey, signToken } from '../../src/gateway/embedded-key.ts';
import type { Role } from '../../src/model/principal.ts';
import { startGatewayProcess, waitFor, type GatewayProcess } from '../support/gateway-process.ts';
import type { Connector } from '../../src/model/connector.ts';
import { startEmbeddedSimulators, type EmbeddedSimulators } from '../../simulators/embedded.ts';
import { seedEmbeddedStore } from '../support/templates.ts';

export const EXAMPLE_REFERRAL: unknown = JSON.parse(readFileSync(new URL('../../examples/referral.json', import.meta.url), 'utf8'));

export function tokenIn(dataDir: string, role: Role): Promise<string> {
  return signToken(loadOrCreateSigningKey(dataDir), { sub: `e2e-${role}`, role }, { issuer: 'mash-gateway', audience: 'mash-gateway' });
}

export async function submitExample(url: string, token: string): Promise<string> {
  const response = await fetch(`${url}/v1/referrals`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(EXAMPLE_REFERRAL),
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { id: string }).id;
}

export interface StatusView {
  status: string;
  lookups: { id: string; status: string; attempts: number; factCount: number; reason: string | null }[];
}

export async function readStatus(url: string, token: string, id: string): Promise<StatusView> {
  const response = await fetch(`${url}/v1/referrals/${id}`, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as StatusView;
}

/** Waits until every lookup of the referral is running: work in flight, for a suite that stops the process then. */
export async function waitForLookupsInFlight(url: string, token: string, id: string): Promise<void> {
  await waitFor(
    async () => {
      const view = await readStatus(url, token, id);
      return view.lookups.length > 0 && view.lookups.every((l) => l.status === 'running') ? view : undefined;
    },
    15_000,
    'every lookup to be in flight',
  );
}

export function waitForPicture(url: string, token: string, id: string, timeoutMs = 30_000): Promise<StatusView> {
  return waitFor(async () => {
    const view = await readStatus(url, token, id);
    return view.status === 'picture-ready' ? view : undefined;
  }, timeoutMs, `referral ${id} to reach picture-ready`);
}

export interface PictureFact {
  id: string;
  kind: string;
  personRef: string;
  identifiers?: { system: string; value: string }[];
  provenance: Record<string, unknown>;
}

export interface PicturePerson {
  subjectRef: string;
  role: string;
  wave: number;
  name: { given: string[]; family: string };
  records: { agency: string; outcome: string; score: number; evidence: { field: string; level: string; weight: number }[] }[];
}

export interface PictureView {
  facts: PictureFact[];
  lookups: (StatusView['lookups'][number] & { wave: number; subjectRef: string })[];
  persons: PicturePerson[];
  chronology: { date: string; agencies: string[]; sources: { agency: string }[] }[];
  family: { nodes: { personId: string; role: string }[] } | null;
}

export async function readPicture(url: string, token: string, id: string): Promise<PictureView> {
  const response = await fetch(`${url}/v1/referrals/${id}/picture`, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as PictureView;
}

/** DESIGN.md: every fact carries agency, connector, source system and record, lookup, retrieval time, lawful basis and sensitivity. */
export function expectFullProvenance(facts: readonly PictureFact[]): void {
  expect(facts.length).toBeGreaterThan(0);
  for (const fact of facts) {
    for (const field of ['agency', 'connectorId', 'sourceSystem', 'sourceRecordId', 'lookupId', 'retrievedAt', 'lawfulBasis', 'sensitivity']) {
      expect(fact.provenance[field], `${fact.id} provenance.${field}`).toEqual(expect.any(String));
    }
  }
}

/** The referred child, as the health record names it: the example's exact NHS number. */
export function exampleNhsNumber(): string {
  const referral = EXAMPLE_REFERRAL as { subjects: { identifiers: { system: string; value: string }[] }[] };
  const nhs = referral.subjects[0]?.identifiers.find((i) => i.system === 'nhs-number')?.value;
  if (nhs === undefined) throw new Error('the example referral has no NHS number');
  return nhs;
}

/**
 * The real process (`node src/main.ts`, embedded store and jobs) with its connectors declared in
 * MASH_CONNECTORS and pointing at agency simulators this suite starts, so what each agency saw,
 * or was made to do, is in the suite's hands. `connectors` may change the declarations first.
 */
export interface GatewayOnSimulators {
  readonly simulators: EmbeddedSimulators;
  readonly gateway: GatewayProcess;
  stop(): Promise<void>;
}

export async function startGatewayOnSimulators(
  dataDir: string,
  options: { readonly connectors?: (declared: readonly Connector[]) => readonly Connector[]; readonly env?: Readonly<Record<string, string>> } = {},
): Promise<GatewayOnSimulators> {
  const simulators = await startEmbeddedSimulators();
  // The run's empty PGlite cluster in the data directory (test/support/templates.ts): the process
  // still migrates from zero and makes its keys; only PGlite's own initdb is skipped.
  seedEmbeddedStore(dataDir);
  const connectorsFile = path.join(dataDir, 'connectors.json');
  writeFileSync(connectorsFile, JSON.stringify({ connectors: options.connectors?.(simulators.connectors) ?? simulators.connectors }));
  const gateway = await startGatewayProcess({ env: { MASH_DATA_DIR: dataDir, MASH_SIMULATORS: 'off', MASH_CONNECTORS: connectorsFile, MASH_HOST_URL: simulators.host.url, ...options.env } }).catch(async (error: unknown) => {
    await simulators.close();
    throw error;
  });
  return {
    simulators,
    gateway,
    async stop() {
      await gateway.kill('SIGTERM');
      await simulators.close();
    },
  };
}
