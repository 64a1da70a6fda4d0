/**
 * The referral's subject as a person record the matcher compares: what the referrer said about
 * the child or family member, in the engine's terms. Subject matching scores every agency record
 * against it, and household discovery de-duplicates the members it finds against it.
 */
import type { Subject } from '../model/referral.ts';
import type { PersonRecord } from './engine/record.ts';

/** The subject as a record the matcher compares; its id is `subject:<ref>`. */
export function subjectRecord(subject: Subject): PersonRecord {
  const id = (system: string): string | undefined => subject.identifiers.find((i) => i.system === system)?.value;
  return {
    id: `subject:${subject.ref}`,
    given: subject.name.given,
    family: subject.name.family,
    ...(subject.birthDate === undefined ? {} : { birthDate: subject.birthDate }),
    ...(subject.sex === undefined ? {} : { sex: subject.sex }),
    ...(subject.address === undefined
      ? {}
      : {
          addressLines: subject.address.lines,
          ...(subject.address.postcode === undefined ? {} : { postcode: subject.address.postcode }),
          ...(subject.address.town === undefined ? {} : { town: subject.address.town }),
          ...(subject.address.uprn === undefined ? {} : { uprn: subject.address.uprn }),
        }),
    ...(id('nhs-number') === undefined ? {} : { nhsNumber: id('nhs-number') }),
    ...(id('upn') === undefined ? {} : { upn: id('upn') }),
    ...(id('pnc-id') === undefined ? {} : { pncId: id('pnc-id') }),
  };
}
