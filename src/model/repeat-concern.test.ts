/** The referrer's agency as repeat concerns count it, and the rule (src/model/repeat-concern.ts). */
import { describe, expect, it } from 'vitest';
import { DEFAULT_REPEAT_CONCERN_RULE, normaliseReferrerAgency, reachesRule } from './repeat-concern.ts';

describe('normaliseReferrerAgency', () => {
  it('names the hub agency where the text names one', () => {
    expect(normaliseReferrerAgency('Police')).toBe('police');
    expect(normaliseReferrerAgency('  NHS ')).toBe('health');
    expect(normaliseReferrerAgency("Children's Social Care")).toBe('social-care');
    expect(normaliseReferrerAgency('social_care')).toBe('social-care');
    expect(normaliseReferrerAgency('Social Care')).toBe('social-care');
    expect(normaliseReferrerAgency('School')).toBe('education');
  });

  it('keeps any other text trimmed, white space collapsed, in lower case; none for nothing', () => {
    expect(normaliseReferrerAgency('  Youth   Offending Team ')).toBe('youth offending team');
    expect(normaliseReferrerAgency('   ')).toBeNull();
    expect(normaliseReferrerAgency(undefined)).toBeNull();
  });
});

describe('reachesRule', () => {
  const at = new Date('2026-01-01T00:00:00Z');
  const n = (agency: string | null) => ({ referralId: `r-${Math.random()}`, receivedAt: at, agency });

  it('needs enough notifications from enough named agencies', () => {
    expect(reachesRule(DEFAULT_REPEAT_CONCERN_RULE, [n('police'), n('health'), n('police')])).toEqual({ flagged: true, agencies: ['health', 'police'] });
    expect(reachesRule(DEFAULT_REPEAT_CONCERN_RULE, [n('police'), n('police'), n('police')]).flagged).toBe(false);
    expect(reachesRule(DEFAULT_REPEAT_CONCERN_RULE, [n('police'), n('health')]).flagged).toBe(false);
    // A referral naming no agency counts as a notification, not as another agency.
    expect(reachesRule(DEFAULT_REPEAT_CONCERN_RULE, [n('police'), n(null), n('police')]).flagged).toBe(false);
    expect(reachesRule(DEFAULT_REPEAT_CONCERN_RULE, [n('police'), n(null), n('health')]).flagged).toBe(true);
  });
});
