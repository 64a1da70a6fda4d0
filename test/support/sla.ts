/** The SLA clock tests build apps with: the shipped defaults (Monday to Friday, 09:00–17:00 London, GOV.UK bank holidays). */
import { loadConfig } from '../../src/config.ts';
import { createSlaClock, type SlaClock } from '../../src/model/working-calendar.ts';

const defaults = loadConfig({});

export const testSla: SlaClock = createSlaClock(defaults.calendar, defaults.slaAtRiskFraction);
