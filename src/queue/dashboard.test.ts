/** What the queue dashboard shows of a job's data (dashboard.ts): its kind's schema's parse, ids only. */
import { describe, expect, it } from 'vitest';
import { shownData } from './dashboard.ts';

describe('job data on the dashboard', () => {
  it('shows the ids a job carries', () => {
    expect(shownData('lookup', { referralId: 'r1', lookupId: 'l1', requestId: 'req-1' })).toEqual({ referralId: 'r1', lookupId: 'l1', requestId: 'req-1' });
    expect(shownData('delivery', { outboxId: 'pub_1' })).toEqual({ outboxId: 'pub_1' });
    expect(shownData('audit-seal', {})).toEqual({});
  });

  it('shows none of data its kind does not define: a field more, a wrong value, a periodic run with data', () => {
    const hidden = { invalid: 'JOB.INVALID_DATA: not shown' };
    expect(shownData('lookup', { referralId: 'r1', lookupId: 'l1', name: 'Robert Smith' })).toEqual(hidden);
    expect(shownData('referral', { referralId: 'r1', requestId: '9994732153 WF13 2QP' })).toEqual(hidden);
    expect(shownData('retention', { postcode: 'WF13 2QP' })).toEqual(hidden);
    expect(shownData('delivery', 'Robert Smith')).toEqual(hidden);
  });
});
