/**
 * Training off the event loop: the thread trains exactly what `trainOn` trains inline, the
 * process keeps turning its event loop meanwhile (requests and jobs are served while the model
 * trains), and a thread that dies is a failed estimation, not a crash.
 */
import { describe, expect, it } from 'vitest';
import type { PersonRecord } from './engine/record.ts';
import { trainInThread, trainOn, type TrainingOptions } from './model-training.ts';

/** Synthetic people (invented names from syllables), each written one to three times with slips. */
function people(count: number): PersonRecord[] {
  let seed = 7;
  const random = (): number => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const syllables = ['ka', 'lo', 'mi', 'ren', 'sa', 'tor', 'vi', 'del', 'an', 'bri', 'co', 'fen', 'gar', 'hol', 'jun', 'mar'];
  const name = (): string => Array.from({ length: 2 + Math.floor(random() * 2) }, () => pick(syllables)).join('');
  const records: PersonRecord[] = [];
  for (let p = 0; p < count; p++) {
    const given = name();
    const family = name();
    const birthDate = `${1950 + Math.floor(random() * 70)}-0${1 + Math.floor(random() * 9)}-1${Math.floor(random() * 9)}`;
    const copies = 1 + Math.floor(random() * 3);
    for (let c = 0; c < copies; c++) records.push({ id: `r${records.length}`, given: [c > 0 && random() < 0.2 ? `${given}e` : given], family, birthDate, postcode: `LS${p % 30} 1AB` });
  }
  return records;
}

const options: TrainingOptions = { minRecords: 200, minTrainingPairs: 50, em: { maxIterations: 1_000 } };

describe('trainInThread', () => {
  it('trains what trainOn trains, while the event loop keeps turning', async () => {
    const records = people(1_500);
    let turns = 0;
    let running = true;
    const turn = (): void => {
      turns++;
      if (running) setImmediate(turn);
    };
    setImmediate(turn);
    const threaded = await trainInThread(records, options);
    running = false;
    // Inline, the loop could not turn once until the training ended; in the thread it turns throughout.
    expect(turns).toBeGreaterThan(10);
    const inline = trainOn(records, options);
    expect(threaded.failed).toBeUndefined();
    expect(threaded.estimation?.converged).toBe(true);
    expect(threaded).toEqual(inline);
  }, 60_000);

  it('answers a failed estimation when the thread cannot train', async () => {
    // Options that cannot cross to a thread (a function) make it fail before it trains.
    const broken = { ...options, em: { ...options.em, seed: (() => 1) as unknown as number } };
    const result = await trainInThread(people(10), broken);
    expect(result.failed).toMatchObject({ code: 'estimation-failed' });
    expect(result.estimation).toBeUndefined();
  });
});
