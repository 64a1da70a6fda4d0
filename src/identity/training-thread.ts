/**
 * The training thread: trains once on the records it was started with and posts the result
 * (model-training.ts says why a thread). Started and ended by the live model, one per estimation.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { PersonRecord } from './engine/record.ts';
import { trainOn, type TrainingOptions } from './model-training.ts';

const { records, options } = workerData as { records: PersonRecord[]; options: TrainingOptions };
parentPort?.postMessage(trainOn(records, options));
