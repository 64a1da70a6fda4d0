/**
 * PostgreSQL's `percentile_cont`, computed independently of the store by the report suites: the
 * value at p·(n−1) in the sorted values, interpolated linearly; null with no values.
 */
export function percentileCont(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((x, y) => x - y);
  const at = p * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return (sorted[lo] as number) + (at - lo) * ((sorted[hi] as number) - (sorted[lo] as number));
}
