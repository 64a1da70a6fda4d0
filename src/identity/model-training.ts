/**
 * Training a model from opened person records: block, compare, and run EM when there is enough to
 * run it on. Pure, and run in a thread of its own by the live model (training-thread.ts).
 *
 * Why a thread: EM over tens of thousands of records takes seconds of CPU (docs/decisions.md "The
 * live person index trains its own model"); on the event loop it would stall every request and
 * job of the process for as long — the API of an embedded hub, or the gateway when the manager
 * asks for an estimation. The records go to the thread by structured clone, inside the process,
 * and never further.
 */
import { Worker } from 'node:worker_threads';
import { candidatePairs } from './engine/blocking.ts';
import { compareCandidates, estimateFromCompared, type EstimateOptions, type Estimation } from './engine/estimate.ts';
import { prepareRecord, type PersonRecord } from './engine/record.ts';
import type { RefusalReason } from '../model/person-index-model.ts';

/** Pairs sharing a person-level key train m unless there are fewer than this (estimate.ts `patternsOf`, which then trains on every candidate). */
const FEW_PERSONAL_PAIRS = 20;

/** What a training needs besides the records (plain data: it crosses to the training thread). */
export interface TrainingOptions {
  readonly minRecords: number;
  readonly minTrainingPairs: number;
  readonly em: EstimateOptions;
}

/** The counts of a training, and its estimation when it ran. */
export interface TrainingResult {
  readonly trainingPairs: number;
  readonly candidatePairs: number;
  readonly estimation?: Estimation;
  readonly failed?: RefusalReason;
}

/** Trains on `records`; EM runs only when there are enough records and training pairs. */
export function trainOn(records: readonly PersonRecord[], options: TrainingOptions): TrainingResult {
  const prepared = records.map(prepareRecord);
  const compared = compareCandidates(prepared, candidatePairs(prepared));
  let personal = 0;
  for (const p of compared.personal) personal += p;
  const candidates = compared.left.length;
  const trainingPairs = personal < FEW_PERSONAL_PAIRS ? candidates : personal;
  if (records.length < options.minRecords || trainingPairs < options.minTrainingPairs) return { trainingPairs, candidatePairs: candidates };
  try {
    return { trainingPairs, candidatePairs: candidates, estimation: estimateFromCompared(prepared, compared, options.em) };
  } catch (error) {
    // The engine's errors name fields and counts, never values; the class name is enough here.
    return { trainingPairs, candidatePairs: candidates, failed: { code: 'estimation-failed', message: `the estimation failed (${error instanceof Error ? error.name : 'unknown error'})` } };
  }
}

/**
 * `trainOn` in a thread of its own, started for this training and ended after it. A thread that
 * fails or dies is an estimation that failed (refused like any other), never a crash.
 */
export function trainInThread(records: readonly PersonRecord[], options: TrainingOptions): Promise<TrainingResult> {
  const failed = (why: string): TrainingResult => ({ trainingPairs: 0, candidatePairs: 0, failed: { code: 'estimation-failed', message: `the estimation failed (${why})` } });
  return new Promise((resolve) => {
    let thread: Worker;
    try {
      thread = new Worker(new URL('./training-thread.ts', import.meta.url), { workerData: { records, options } });
    } catch (error) {
      resolve(failed(error instanceof Error ? error.name : 'the training thread did not start'));
      return;
    }
    thread.once('message', (result: TrainingResult) => {
      resolve(result);
      void thread.terminate();
    });
    thread.once('error', (error: Error) => resolve(failed(error.name)));
    thread.once('exit', (code) => resolve(failed(`training thread exited with code ${code}`)));
  });
}
