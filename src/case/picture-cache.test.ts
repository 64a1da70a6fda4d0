/**
 * The picture cache: bounded by bytes, least recently used evicted first, never replacing a copy
 * with an older version, and copies forgotten per audience or per referral.
 */
import { describe, expect, it } from 'vitest';
import { createPictureCache, type CachedPicture } from './picture-cache.ts';
import type { Audience } from './audience.ts';

const picture = (audience: Audience, version: number, size = 1_000): CachedPicture => {
  const json = `{"v":${version},"pad":"${'x'.repeat(size)}"}`;
  return { served: { audience, version, json, body: Buffer.from(json, 'utf8'), shownItemIds: [], candidateItemIds: [] }, owners: ['hub'] };
};

describe('the picture cache', () => {
  it('evicts the least recently used copy once over its byte bound', () => {
    const probe = createPictureCache();
    probe.put('r0', picture('hub', 1));
    // Room for four copies of this weight (a copy may weigh at most a quarter of the bound).
    const cache = createPictureCache(Math.floor(probe.bytes * 4.5));
    for (const r of ['r1', 'r2', 'r3', 'r4']) cache.put(r, picture('hub', 1));
    expect(cache.size).toBe(4);
    expect(cache.get('r1', 'hub')).toBeDefined(); // r1 now most recently used, r2 least
    cache.put('r5', picture('hub', 1));
    expect(cache.bytes).toBeLessThanOrEqual(Math.floor(probe.bytes * 4.5));
    expect(cache.get('r2', 'hub')).toBeUndefined();
    for (const r of ['r1', 'r3', 'r4', 'r5']) expect(cache.get(r, 'hub')).toBeDefined();
  });

  it('keeps the later version when an older one arrives late, and takes a newer one', () => {
    const cache = createPictureCache();
    cache.put('r1', picture('hub', 5));
    cache.put('r1', picture('hub', 4));
    expect(cache.get('r1', 'hub')?.served.version).toBe(5);
    cache.put('r1', picture('hub', 6));
    expect(cache.get('r1', 'hub')?.served.version).toBe(6);
    expect(cache.size).toBe(1);
  });

  it('keeps audiences apart and forgets one or all of a referral', () => {
    const cache = createPictureCache();
    cache.put('r1', picture('hub', 1));
    cache.put('r1', picture('police', 1));
    cache.put('r2', picture('hub', 1));
    expect(cache.get('r1', 'health')).toBeUndefined();
    cache.forget('r1', 'hub');
    expect(cache.get('r1', 'hub')).toBeUndefined();
    expect(cache.get('r1', 'police')).toBeDefined();
    cache.forgetReferral('r1');
    expect(cache.size).toBe(1);
    expect(cache.get('r2', 'hub')).toBeDefined();
  });

  it('does not keep a picture heavier than a quarter of its bound', () => {
    const cache = createPictureCache(10_000);
    cache.put('r1', picture('hub', 1, 5_000));
    expect(cache.size).toBe(0);
    expect(cache.bytes).toBe(0);
  });
});
