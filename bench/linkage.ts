/**
 * Linkage benchmark: `npm exec -- node bench/linkage.ts`.
 *
 * Why: the identity targets are pairwise F1 ≥ 0.99 on FEBRL 1–3 and ≥ 0.95 on Splink's
 * fake_1000, and precision of automatic matches ≥ 0.995 on all sets, measured the way held-out
 * sets will be: through the `link` command. Every set is converted to the command's CSV and run
 * through `runLinkCsv`, the function the command runs (and the command itself is run once as a
 * child process to show its output is the same). Also printed, to measure the clustering: F1
 * had the same links been merged by plain transitive closure, and the precision of the
 * automatic ('match') links and of their closure. Exits 1 when a target is missed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { runLinkCsv } from '../src/linkage/link-csv.ts';
import { febrl, populationSet, splinkFake1000, type LinkageSet } from '../test/identity/support/linkage-sets.ts';
import { closureClusters, linkPrecision, pairwiseScores } from '../test/identity/support/pairwise.ts';

/** Acceptance targets per set: pairwise F1 (when set) and precision of automatic matches. */
interface Target {
  readonly f1?: number;
  readonly autoPrecision: number;
}

const AUTO = 0.995;
const sets: { load: () => Promise<LinkageSet> | LinkageSet; target: Target }[] = [
  { load: () => febrl(1), target: { f1: 0.99, autoPrecision: AUTO } },
  { load: () => febrl(2), target: { f1: 0.99, autoPrecision: AUTO } },
  { load: () => febrl(3), target: { f1: 0.99, autoPrecision: AUTO } },
  { load: () => splinkFake1000(), target: { f1: 0.95, autoPrecision: AUTO } },
  { load: () => populationSet(), target: { autoPrecision: AUTO } },
];

const f4 = (x: number): string => x.toFixed(4);
const row = (cells: readonly (string | number)[], widths: readonly number[]): string => cells.map((c, i) => String(c).padEnd(widths[i] ?? 8)).join(' ').trimEnd();
const widths = [22, 8, 7, 7, 7, 7, 9, 7, 7, 7, 8, 6];
const header = ['set', 'records', 'pairs', 'P', 'R', 'F1', 'F1 (tc)', 'auto', 'auto P', 'auto tc', 'time s', 'target'];

let missed = 0;
const lines: string[] = [row(header, widths), row(header.map((h) => '-'.repeat(h.length)), widths)];
let parity = '';
for (const { load, target } of sets) {
  const set = await load();
  const started = performance.now();
  const linked = runLinkCsv(set.csv);
  const seconds = (performance.now() - started) / 1000;
  if (!linked.ok) throw new Error(`${set.name}: ${linked.error.message}`);
  const { result, records } = linked.value;
  const predicted = new Map<string, number>();
  for (const [id, c] of result.clusterOf) predicted.set(id, c);
  const scores = pairwiseScores(predicted, set.truth);
  const ids = records.map((r) => r.id);
  const closure = pairwiseScores(closureClusters(ids, result.links), set.truth);
  const autoLinks = result.links.filter((l) => l.outcome === 'match');
  const auto = linkPrecision(autoLinks, set.truth);
  const autoClosure = pairwiseScores(closureClusters(ids, autoLinks), set.truth);
  const ok = (target.f1 === undefined || scores.f1 >= target.f1) && auto.precision >= target.autoPrecision;
  if (!ok) missed++;
  const goal = `${target.f1 === undefined ? '' : `F1≥${target.f1} `}autoP≥${target.autoPrecision}`;
  lines.push(row([set.name, records.length, scores.truePairs, f4(scores.precision), f4(scores.recall), f4(scores.f1), f4(closure.f1), auto.links, f4(auto.precision), f4(autoClosure.precision), seconds.toFixed(1), `${ok ? 'met' : 'MISSED'} (${goal})`], widths));

  if (parity === '' && set.name === 'FEBRL 1') {
    // The command itself, as a child process, on the same CSV: its output must be identical.
    const dir = mkdtempSync(path.join(tmpdir(), 'mash-linkage-'));
    try {
      const file = path.join(dir, 'people.csv');
      writeFileSync(file, set.csv);
      const cli = spawnSync(process.execPath, [path.join(import.meta.dirname, '..', 'src', 'cli', 'link.ts'), '--input', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      const same = cli.status === 0 && cli.stdout === linked.value.csv;
      parity = `link command on ${set.name}: exit ${cli.status ?? 'signal'}, output ${same ? 'identical to runLinkCsv' : 'DIFFERENT'}`;
      if (!same) missed++;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

console.log('Pairwise linkage figures, clusters as the `link` command writes them (P precision, R recall).');
console.log('F1 (tc): the same links merged by transitive closure. auto: automatic-match links; auto P: their');
console.log('precision; auto tc: pairwise precision of their transitive closure.\n');
for (const line of lines) console.log(line);
console.log(`\n${parity}`);
console.log(missed === 0 ? 'all targets met' : `${missed} target(s) missed`);
process.exitCode = missed === 0 ? 0 : 1;
