/**
 * Linkage benchmark: `npm run bench linkage` (`--quick` leaves out the 100,000-record set).
 *
 * Why: identity must hold on sets no one here tuned to and at the scale a hub's index reaches.
 * Every set is converted to the `link` command's CSV and run through `runLinkCsv`, the function
 * the command runs (and the command itself is run once as a child process to show its output is
 * the same). Sets: FEBRL 1–3 and Splink's fake_1000 (outside data, `../shared/data/external/`),
 * the simulators' synthetic population, and messy generated populations of 20,000 and 100,000
 * records (bench/support/messy-population.ts: several records per person, several fields wrong
 * at once, families and twins). Each set runs in a child process of its own, so its time and
 * peak memory are its own. Printed per set, one JSON line per figure with its target: pairwise
 * precision, recall and F1 of the clusters; the precision of automatic ('match') links; F1 had
 * the links been merged by plain transitive closure (to measure the clustering); seconds and
 * peak resident memory of the process (generation included, so an upper bound). Targets: F1 ≥
 * 0.99 on FEBRL, ≥ 0.97 on generated sets, ≥ 0.95 on fake_1000; automatic-match precision ≥
 * 0.995 everywhere; 100,000 records in under 60 s and 2 GB. Exits 1 when a target is missed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { runLinkCsv } from '../src/linkage/link-csv.ts';
import { febrl, populationSet, splinkFake1000, type LinkageSet } from '../test/identity/support/linkage-sets.ts';
import { closureClusters, linkPrecision, pairwiseScores } from '../test/identity/support/pairwise.ts';
import { figureLine, type Target } from './support/figures.ts';
import { messyPopulation } from './support/messy-population.ts';

interface SetSpec {
  readonly key: string;
  readonly load: () => Promise<LinkageSet> | LinkageSet;
  readonly f1: number;
  /** Limits of a large set: seconds and peak memory. */
  readonly limits?: { readonly seconds: number; readonly megabytes: number };
  /** Left out by `--quick`. */
  readonly slow?: boolean;
}

const AUTO_PRECISION = 0.995;
const SETS: readonly SetSpec[] = [
  { key: 'febrl-1', load: () => febrl(1), f1: 0.99 },
  { key: 'febrl-2', load: () => febrl(2), f1: 0.99 },
  { key: 'febrl-3', load: () => febrl(3), f1: 0.99 },
  { key: 'splink-fake-1000', load: () => splinkFake1000(), f1: 0.95 },
  { key: 'synthetic-population', load: () => populationSet(), f1: 0.97 },
  { key: 'generated-20000', load: () => messyPopulation({ records: 20_000 }), f1: 0.97 },
  { key: 'generated-100000', load: () => messyPopulation({ records: 100_000 }), f1: 0.97, limits: { seconds: 60, megabytes: 2048 }, slow: true },
];

const atLeast = (value: number): Target => ({ op: '>=', value });
const atMost = (value: number): Target => ({ op: '<=', value });

/** Runs one set in this process and prints its figures; returns the number of targets missed. */
async function runSet(spec: SetSpec): Promise<number> {
  const set = await spec.load();
  const started = performance.now();
  const linked = runLinkCsv(set.csv);
  const seconds = (performance.now() - started) / 1000;
  if (!linked.ok) throw new Error(`${set.name}: ${linked.error.message}`);
  const peakMegabytes = process.resourceUsage().maxRSS / 1024;
  const { result, records } = linked.value;
  const predicted = new Map<string, number>();
  for (const [id, c] of result.clusterOf) predicted.set(id, c);
  const scores = pairwiseScores(predicted, set.truth);
  const closure = pairwiseScores(closureClusters(records.map((r) => r.id), result.links), set.truth);
  const auto = linkPrecision(result.links.filter((l) => l.outcome === 'match'), set.truth);
  const extra = { set: set.name, records: records.length, truePairs: scores.truePairs };
  let missed = 0;
  const print = (name: string, value: number, unit: string, target?: Target): void => {
    const { line, met } = figureLine('linkage', name, value, unit, target, extra);
    console.log(line);
    if (met === false) missed++;
  };
  print(`${spec.key}.precision`, scores.precision, 'ratio');
  print(`${spec.key}.recall`, scores.recall, 'ratio');
  print(`${spec.key}.f1`, scores.f1, 'ratio', atLeast(spec.f1));
  print(`${spec.key}.f1_transitive_closure`, closure.f1, 'ratio');
  print(`${spec.key}.auto_match_precision`, auto.precision, 'ratio', atLeast(AUTO_PRECISION));
  print(`${spec.key}.auto_match_links`, auto.links, 'pairs');
  print(`${spec.key}.seconds`, seconds, 's', spec.limits === undefined ? undefined : atMost(spec.limits.seconds));
  print(`${spec.key}.peak_memory`, peakMegabytes, 'MB', spec.limits === undefined ? undefined : atMost(spec.limits.megabytes));
  if (spec.key === 'febrl-1') missed += commandParity(set, linked.value.csv);
  return missed;
}

/** The `link` command itself, as a child process, on the same CSV: its output must be identical. */
function commandParity(set: LinkageSet, expected: string): number {
  const dir = mkdtempSync(path.join(tmpdir(), 'mash-linkage-'));
  try {
    const file = path.join(dir, 'people.csv');
    writeFileSync(file, set.csv);
    const cli = spawnSync(process.execPath, [path.join(import.meta.dirname, '..', 'src', 'cli', 'link.ts'), '--input', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const same = cli.status === 0 && cli.stdout === expected ? 1 : 0;
    const { line, met } = figureLine('linkage', 'febrl-1.link_command_output_identical', same, 'bool', atLeast(1), { set: set.name });
    console.log(line);
    return met === false ? 1 : 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const args = process.argv.slice(2);
const only = args.indexOf('--set');
if (only >= 0) {
  const spec = SETS.find((s) => s.key === args[only + 1]);
  if (spec === undefined) throw new Error(`unknown set ${args[only + 1] ?? ''}`);
  process.exitCode = (await runSet(spec)) === 0 ? 0 : 1;
} else {
  const quick = args.includes('--quick');
  let failed = 0;
  for (const spec of SETS.filter((s) => !(quick && s.slow === true))) {
    // Memory allowed for a large set, plus headroom, so the limit measured is the target's, not V8's default.
    const heap = spec.limits === undefined ? [] : [`--max-old-space-size=${spec.limits.megabytes}`];
    const child = spawnSync(process.execPath, [...heap, import.meta.filename, '--set', spec.key], { stdio: 'inherit' });
    if (child.status !== 0) failed++;
  }
  console.log(failed === 0 ? 'linkage: all targets met' : `linkage: ${failed} set(s) missed a target`);
  process.exitCode = failed === 0 ? 0 : 1;
}
