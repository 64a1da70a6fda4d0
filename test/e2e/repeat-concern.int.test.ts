/**
 * Repeat concerns through the real processes (`node src/main.ts`, embedded; and distributed, a
 * gateway and a worker on PostgreSQL and Redis; agency simulators), over HTTP (DESIGN.md rule 1, "one front door"; docs/decisions.md "Repeat concerns:
 * notifications about a child, counted over the person index"). The example child is referred six
 * times, with `receivedAt` placing each in time: three by the police alone 34–40 months ago (one
 * agency: not flagged), then a school 9 months ago and the NHS 4 months ago (two in the window:
 * not flagged, although five with the older ones), and children's social care now — the third in
 * twelve months, from a third agency: flagged, the school's and the NHS's referrals listed. The
 * last one is submitted and researched first, so its flag comes from referrals linked after it.
The referral list filters on the same count (`?repeatConcern=true`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../support/tmp.ts';
import { startDistributedStack } from './distributed.ts';
import { EXAMPLE_REFERRAL, startGatewayOnSimulators, tokenIn, waitForPicture } from './support.ts';

interface Concern {
  flagged: boolean;
  subjectRef: string | null;
  notifications: number;
  agencies: string[];
  windowMonths: number;
  earlier: { referralId: string | null; receivedAt: string; agency: string | null }[];
}

const NOW = Date.now();
const monthsAgo = (months: number): string => {
  const at = new Date(NOW);
  at.setUTCMonth(at.getUTCMonth() - months);
  return at.toISOString();
};

/** Where the scenario runs: the gateway's URL and the data directory its token key is in. */
interface Deployment {
  readonly url: string;
  readonly dataDir: string;
  stop(): Promise<void>;
}

async function submit(url: string, token: string, referrer: string, receivedAt?: string): Promise<string> {
  const base = EXAMPLE_REFERRAL as { concern: Record<string, unknown> };
  const body = { ...base, concern: { ...base.concern, referrer: { agency: referrer } }, ...(receivedAt === undefined ? {} : { receivedAt }) };
  const response = await fetch(`${url}/v1/referrals`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(response.status).toBe(202);
  return ((await response.json()) as { id: string }).id;
}

async function concernOf(url: string, token: string, id: string): Promise<Concern | null> {
  const response = await fetch(`${url}/v1/referrals/${id}`, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { repeatConcern: Concern | null }).repeatConcern;
}

const DEPLOYMENTS: readonly { readonly name: string; readonly start: () => Promise<Deployment> }[] = [
  {
    name: 'embedded (one process, PGlite, in-process jobs)',
    start: async () => {
      const tmp = makeTempDir('mash-e2e-repeat-concern-');
      const embedded = await startGatewayOnSimulators(tmp.dir);
      return { url: embedded.gateway.url, dataDir: tmp.dir, stop: async () => { await embedded.stop(); tmp.remove(); } };
    },
  },
  {
    // Linking runs in the worker: the sightings it writes are what the gateway counts.
    name: 'distributed (MASH_ROLE=gateway and worker, PostgreSQL, Redis)',
    start: async () => {
      const stack = await startDistributedStack({ tmpPrefix: 'mash-e2e-repeat-concern-dist-', workers: 1 });
      return { url: stack.gateway.url, dataDir: stack.dataDir, stop: () => stack.stop() };
    },
  },
];

describe.each(DEPLOYMENTS)('a child referred again and again, $name', ({ start }) => {
  let deployment: Deployment | undefined;
  beforeAll(async () => {
    deployment = await start();
  }, 90_000);
  afterAll(async () => {
    await deployment?.stop();
  });

  it('is flagged on the third notification from two or more agencies within twelve months, and only then', async () => {
    if (deployment === undefined) throw new Error('no deployment');
    const { url } = deployment;
    const intake = await tokenIn(deployment.dataDir, 'referral-intake');
    const manager = await tokenIn(deployment.dataDir, 'hub-manager');

    const latest = await submit(url, intake, "Children's Social Care");
    await waitForPicture(url, manager, latest, 60_000);
    expect(await concernOf(url, manager, latest)).toMatchObject({ flagged: false, notifications: 1, agencies: ['social-care'], earlier: [] });

    const [policeA, policeB, policeC, school, nhs] = await Promise.all([
      submit(url, intake, 'police', monthsAgo(40)),
      submit(url, intake, 'Police', monthsAgo(36)),
      submit(url, intake, ' police ', monthsAgo(34)),
      submit(url, intake, 'School', monthsAgo(9)),
      submit(url, intake, 'NHS', monthsAgo(4)),
    ]);
    for (const id of [policeA, policeB, policeC, school, nhs]) await waitForPicture(url, manager, id ?? '', 90_000);

    // Linked after it, counted all the same: the count is read from the index as it stands.
    const flagged = await concernOf(url, manager, latest);
    expect(flagged).toMatchObject({ flagged: true, subjectRef: 'child-1', notifications: 3, agencies: ['education', 'health', 'social-care'], windowMonths: 12 });
    expect(flagged?.earlier).toEqual([
      { referralId: school, receivedAt: monthsAgo(9), agency: 'education' },
      { referralId: nhs, receivedAt: monthsAgo(4), agency: 'health' },
    ]);
    // The picture says the same, to the same reader.
    const picture = await fetch(`${url}/v1/referrals/${latest}/picture`, { headers: { authorization: `Bearer ${manager}` } });
    expect(picture.status).toBe(200);
    expect(((await picture.json()) as { repeatConcern: Concern }).repeatConcern).toEqual(flagged);

    // Three notifications from one agency: not flagged.
    expect(await concernOf(url, manager, policeC ?? '')).toMatchObject({ flagged: false, notifications: 3, agencies: ['police'] });
    // The police's referrals are older than twelve months at the school's and the NHS's receipt: not counted.
    expect(await concernOf(url, manager, school ?? '')).toMatchObject({ flagged: false, notifications: 1, agencies: ['education'] });
    expect(await concernOf(url, manager, nhs ?? '')).toMatchObject({ flagged: false, notifications: 2, agencies: ['education', 'health'] });
    // The list filters on it, in the same terms.
    const listed = async (flag: boolean): Promise<string[]> => {
      const response = await fetch(`${url}/v1/referrals?repeatConcern=${flag}&limit=200`, { headers: { authorization: `Bearer ${manager}` } });
      expect(response.status).toBe(200);
      return ((await response.json()) as { referrals: { id: string }[] }).referrals.map((r) => r.id).sort();
    };
    expect(await listed(true)).toEqual([latest]);
    expect(await listed(false)).toEqual([policeA, policeB, policeC, school, nhs].sort());
    // Each entry of the unfiltered list says so too, with its research progress.
    const all = ((await (await fetch(`${url}/v1/referrals?limit=200`, { headers: { authorization: `Bearer ${manager}` } })).json()) as { referrals: { id: string; repeatConcern: boolean; lookups: { total: number; finished: number } }[] }).referrals;
    expect(all.filter((r) => r.repeatConcern).map((r) => r.id)).toEqual([latest]);
    for (const entry of all) expect(entry.lookups.finished).toBe(entry.lookups.total);
    // The front door submits referrals; it is not told what the hub knows of the child.
    expect(await concernOf(url, intake, latest)).toBeNull();
  }, 240_000);
});
