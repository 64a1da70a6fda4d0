/**
 * The `link` command end to end, as a child process: clusters, output order, and the one-line
 * errors with exit code 2 for input it cannot link.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const CLI = path.resolve(import.meta.dirname, '..', '..', 'src', 'cli', 'link.ts');
const dir = mkdtempSync(path.join(tmpdir(), 'mash-link-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function link(csv: string | undefined, args: string[] = []): { status: number | null; stdout: string; stderr: string } {
  const file = path.join(dir, `in-${String(Math.random()).slice(2)}.csv`);
  if (csv !== undefined) writeFileSync(file, csv);
  const run = spawnSync(process.execPath, [CLI, '--input', file, ...args], { encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** id → cluster from the command's output. */
const clustersOf = (stdout: string): Map<string, string> => new Map(stdout.trim().split('\n').slice(1).map((l) => l.split(',') as [string, string]));

describe('npm run link', () => {
  it('clusters the same people and keeps the input order', () => {
    const csv = [
      'town,id,family,given,birth_date,sex,postcode,address,nhs_number,email,other_id,colour',
      'Dewsbury,s-1,Smith,Robert James,2015-04-03,male,WF13 2QP,14 Alder Grove,,,,blue',
      'Leeds,x-9,Khan,Aisha,1987-11-30,female,LS6 2QR,3 Mill Lane,,aisha@example.org,,',
      'Dewsbury,s-2,Smyth,Bobby,2015-03-04,M,WF13 2QP,14 Alder Grove,,,,',
      ',s-3,Smith-Jones,R.,2015-04-03,male,WF132QP,,,,,red',
      'Leeds,x-8,Khan,Aisha,1987-11-30,,LS6 2QR,,,aisha@example.org,,',
      'Batley,p-1,Patel,Priya,1979-06-01,female,WF17 5LR,,9434765919,,,',
      'Mirfield,p-2,Shah,Priya,not-a-date,female,WF14 7ZD,,943 476 5919,,,',
      'Leeds,z-1,Jones,Oliver,2002-10-10,male,LS1 4AP,,,,,',
    ].join('\n');
    const out = link(csv);
    expect(out.status).toBe(0);
    expect(out.stderr).toBe('');
    expect(out.stdout.split('\n')[0]).toBe('id,cluster');
    const clusters = clustersOf(out.stdout);
    expect([...clusters.keys()]).toEqual(['s-1', 'x-9', 's-2', 's-3', 'x-8', 'p-1', 'p-2', 'z-1']);
    expect(clusters.get('s-2')).toBe(clusters.get('s-1'));
    expect(clusters.get('s-3')).toBe(clusters.get('s-1'));
    expect(clusters.get('x-8')).toBe(clusters.get('x-9'));
    expect(clusters.get('p-2')).toBe(clusters.get('p-1'));
    expect(new Set(clusters.values()).size).toBe(4);
  });

  it('writes just the header for an input with no rows', () => {
    const out = link('id,given\n');
    expect(out.status).toBe(0);
    expect(out.stdout).toBe('id,cluster\n');
  });

  it.each([
    ['no id column', 'given,family\nAnn,Lee\n', /no id column/],
    ['duplicate ids', 'id,given\n7,Ann\n7,Ann\n', /duplicate id/],
    ['an unreadable file', undefined, /cannot read the input file/],
  ])('fails with one line on stderr and exit 2 for %s', (_, csv, message) => {
    const out = link(csv);
    expect(out.status).toBe(2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(message);
    expect(out.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('fails with exit 2 without --input or with an unknown option', () => {
    expect(spawnSync(process.execPath, [CLI], { encoding: 'utf8' }).status).toBe(2);
    expect(link('id\n1\n', ['--verbose']).status).toBe(2);
  });
});
