/** Reading a real process's JSON log lines, and the personal data of a referral that none may contain. */

/** One pino line: its message and whatever fields it carried. */
export type LogLine = Record<string, unknown> & { readonly msg?: string };

/** The JSON lines of a process's output (the banner and other plain lines are skipped). */
export function logLines(output: string): LogLine[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

interface ReferralSubjects {
  subjects: {
    name: { given: string[]; family: string };
    otherNames?: { given: string[]; family: string }[];
    birthDate?: string;
    address?: { lines: string[]; postcode?: string };
    identifiers?: { value: string }[];
  }[];
}

/** Each subject's names, birth date, address lines, postcode and identifiers: what no log line may hold. */
export function personalDataOf(referral: unknown): string[] {
  const { subjects } = referral as ReferralSubjects;
  return subjects.flatMap((s) => [
    ...s.name.given,
    s.name.family,
    ...(s.otherNames ?? []).flatMap((n) => [...n.given, n.family]),
    ...(s.birthDate === undefined ? [] : [s.birthDate]),
    ...(s.address?.lines ?? []),
    ...(s.address?.postcode === undefined ? [] : [s.address.postcode]),
    ...(s.identifiers ?? []).map((i) => i.value),
  ]);
}
