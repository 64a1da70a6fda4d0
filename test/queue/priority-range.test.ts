/** The research priority (src/model/jobs.ts) stays inside the range the job engine accepts (src/queue/runner.ts). */
import { describe, expect, it } from 'vitest';
import { LOWEST_JOB_PRIORITY, researchPriority } from '../../src/model/jobs.ts';
import { MAX_PRIORITY, planJobs } from '../../src/queue/runner.ts';
import { testSla } from '../support/sla.ts';

describe('research priority and the job engine', () => {
  it('clamps to the highest priority BullMQ accepts, which the engine checks every plan against', () => {
    expect(LOWEST_JOB_PRIORITY).toBe(MAX_PRIORITY);
    const far = researchPriority(testSla.calendar, new Date('2031-01-01T00:00:00Z'), new Date('2026-11-23T10:00:00Z'));
    expect(() => planJobs({ referralId: 'r', priority: far, lookupIds: ['l'] })).not.toThrow();
  });
});
