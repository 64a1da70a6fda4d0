/**
 * Name, place and service catalogues for the synthetic population.
 *
 * Why: matching people across agencies is hard mostly because of names — nicknames
 * ("Bobby" for Robert), spelling variants ("Smyth"), changed surnames. The nickname table here
 * drives both the generator's noise and, later, tests of the hub's name matching. Places are
 * real Kirklees towns and postcode districts with invented streets, so addresses look right
 * without describing anyone's home. Schools, GP practices and hospitals are invented.
 */

/** Common English given names and the nicknames they are known by (~70 names). */
export const NICKNAMES: Readonly<Record<string, readonly string[]>> = {
  // male
  Robert: ['Bob', 'Bobby', 'Rob', 'Robbie'],
  William: ['Will', 'Bill', 'Billy', 'Liam'],
  James: ['Jim', 'Jimmy', 'Jamie'],
  John: ['Jack', 'Johnny'],
  Michael: ['Mike', 'Mick', 'Mikey'],
  Thomas: ['Tom', 'Tommy'],
  Richard: ['Rich', 'Rick', 'Ricky'],
  Daniel: ['Dan', 'Danny'],
  Joseph: ['Joe', 'Joey'],
  Christopher: ['Chris', 'Kit'],
  Matthew: ['Matt'],
  Anthony: ['Tony', 'Ant'],
  Andrew: ['Andy', 'Drew'],
  Benjamin: ['Ben', 'Benji'],
  Samuel: ['Sam', 'Sammy'],
  Alexander: ['Alex', 'Xander'],
  Jonathan: ['Jon', 'Jonny'],
  Nicholas: ['Nick', 'Nicky'],
  Stephen: ['Steve'],
  Steven: ['Steve', 'Stevie'],
  Edward: ['Ed', 'Eddie', 'Ted'],
  Charles: ['Charlie', 'Chas'],
  Henry: ['Harry', 'Hal'],
  Frederick: ['Fred', 'Freddie'],
  Oliver: ['Ollie'],
  Joshua: ['Josh'],
  Jacob: ['Jake'],
  Archibald: ['Archie'],
  Theodore: ['Theo', 'Teddy'],
  Kenneth: ['Ken', 'Kenny'],
  David: ['Dave', 'Davey'],
  Peter: ['Pete'],
  Patrick: ['Pat', 'Paddy'],
  Timothy: ['Tim'],
  Raymond: ['Ray'],
  Ronald: ['Ron', 'Ronnie'],
  Gregory: ['Greg'],
  // female
  Elizabeth: ['Liz', 'Lizzie', 'Beth', 'Eliza'],
  Margaret: ['Maggie', 'Peggy', 'Meg'],
  Katherine: ['Kate', 'Katie', 'Kath'],
  Catherine: ['Cath', 'Cathy', 'Kate'],
  Rebecca: ['Becky', 'Becca'],
  Jennifer: ['Jen', 'Jenny'],
  Jessica: ['Jess', 'Jessie'],
  Samantha: ['Sam', 'Sammie'],
  Victoria: ['Vicky', 'Tori'],
  Alexandra: ['Alex', 'Lexi'],
  Charlotte: ['Charlie', 'Lottie'],
  Abigail: ['Abbie', 'Abby'],
  Amelia: ['Millie', 'Amy'],
  Emily: ['Em', 'Emmy'],
  Olivia: ['Liv', 'Livvy'],
  Isabella: ['Bella', 'Izzy'],
  Eleanor: ['Ellie', 'Nell'],
  Florence: ['Flo', 'Florrie'],
  Sophie: ['Soph'],
  Susan: ['Sue', 'Susie'],
  Patricia: ['Pat', 'Trish'],
  Deborah: ['Debbie', 'Deb'],
  Christine: ['Chris', 'Chrissie'],
  Kimberley: ['Kim'],
  Amanda: ['Mandy'],
  Nicola: ['Nicky', 'Nic'],
  Joanne: ['Jo'],
  Louise: ['Lou'],
  Natalie: ['Nat'],
  Danielle: ['Dani'],
  Michelle: ['Shell'],
  Jacqueline: ['Jackie'],
  Kathleen: ['Kath', 'Kathy'],
  Dorothy: ['Dot', 'Dotty'],
  Barbara: ['Barb', 'Babs'],
  Gillian: ['Gill'],
  Georgia: ['Georgie'],
  Matilda: ['Tilly'],
  Evelyn: ['Evie'],
};

/** Nicknames of a given name (empty when it has none). */
export function nicknamesOf(given: string): readonly string[] {
  return NICKNAMES[given] ?? [];
}

/** Given names by generation and sex, as [name, weight]. Weights roughly follow ONS popularity. */
type Pool = readonly (readonly [string, number])[];
const w = (names: string, weight = 1): [string, number][] => names.split(' ').map((n) => [n, weight]);

export const CHILD_MALE: Pool = [
  ...w('Oliver Jack Harry Jacob Charlie Thomas George Oscar James William Noah', 3),
  ...w('Alfie Joshua Muhammad Leo Archie Ethan Freddie Theo Henry Arthur Samuel Daniel Alexander', 2),
  ...w('Max Mason Logan Lucas Isaac Reuben Finley Tyler Kai Callum Ibrahim Yusuf Adam Zain Benjamin Joseph Edward Robert Matthew Frederick'),
];
export const CHILD_FEMALE: Pool = [
  ...w('Olivia Amelia Isla Ava Emily Isabella Mia Poppy Ella Lily', 3),
  ...w('Sophie Grace Evie Freya Charlotte Jessica Chloe Ruby Florence Matilda Eleanor', 2),
  ...w('Abigail Sienna Ivy Rosie Aisha Zara Amira Hannah Georgia Phoebe Lucy Megan Elizabeth Evelyn Victoria'),
];
export const ADULT_MALE: Pool = [
  ...w('David Paul Mark Andrew Richard Michael Christopher Stephen James John Robert Daniel Matthew', 3),
  ...w('Anthony Gary Lee Craig Dean Wayne Ryan Jonathan Nicholas Thomas Steven Peter Kevin Jason Scott', 2),
  ...w('Carl Darren Neil Simon Adam Ashley Liam Jordan Kyle Lewis Connor Joseph Benjamin Samuel William Edward Patrick Timothy Gregory Imran Mohammed Tariq'),
];
export const ADULT_FEMALE: Pool = [
  ...w('Sarah Claire Emma Lisa Karen Helen Rachel Nicola Joanne Louise Laura Rebecca Jennifer', 3),
  ...w('Samantha Victoria Michelle Kelly Hayley Gemma Natalie Danielle Amanda Kimberley Jessica Lauren', 2),
  ...w('Amy Stacey Katherine Elizabeth Catherine Susan Deborah Christine Jacqueline Alexandra Charlotte Hannah Leanne Shabana Nadia Priya'),
];
export const ELDER_MALE: Pool = w('John David Michael Peter Robert William Kenneth Raymond Ronald Brian Keith Alan Derek Frederick Charles Edward');
export const ELDER_FEMALE: Pool = w('Margaret Patricia Susan Barbara Dorothy Kathleen Christine Jean Pauline Linda Elizabeth Sandra Gillian Maureen');

/** Common surnames in West Yorkshire, as [name, weight]. */
export const SURNAMES: Pool = [
  ...w('Smith Jones Taylor Brown Williams Wilson Johnson Walker Wood Wright Robinson Thompson', 4),
  ...w('Davies Evans Thomas Roberts White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson Turner Hussain Ali Khan', 2),
  ...w('Martin Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen James Scott Phillips Watson Davis Parker'),
  ...w('Price Bennett Young Griffiths Mitchell Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy Miller Cox Richards'),
  ...w('Marshall Anderson Simpson Ellis Adams Singh Begum Wilkinson Foster Chapman Powell Webb Rogers Gray Mason Holmes Lloyd Hirst Haigh Sykes Brook'),
];

/** Spelling variants clerks commonly substitute (both directions). */
export const SURNAME_VARIANTS: Readonly<Record<string, string>> = {
  Smith: 'Smyth',
  Thompson: 'Thomson',
  Clarke: 'Clark',
  Clark: 'Clarke',
  Davies: 'Davis',
  Davis: 'Davies',
  Phillips: 'Philips',
  Hussain: 'Hussein',
  Mohammed: 'Muhammad',
  Griffiths: 'Griffith',
  Haigh: 'Hague',
  Brook: 'Brooke',
  Gray: 'Grey',
  Hirst: 'Hurst',
  Begum: 'Begun',
};

/** Kirklees towns and the real postcode districts that serve them (addresses are invented). */
export const TOWNS: readonly { readonly town: string; readonly districts: readonly string[]; readonly weight: number }[] = [
  { town: 'Huddersfield', districts: ['HD1', 'HD2', 'HD3', 'HD4', 'HD5', 'HD7', 'HD8'], weight: 5 },
  { town: 'Dewsbury', districts: ['WF12', 'WF13'], weight: 3 },
  { town: 'Batley', districts: ['WF17'], weight: 2 },
  { town: 'Heckmondwike', districts: ['WF16'], weight: 1 },
  { town: 'Mirfield', districts: ['WF14'], weight: 1 },
  { town: 'Holmfirth', districts: ['HD9'], weight: 1 },
  { town: 'Cleckheaton', districts: ['BD19'], weight: 1 },
];

export const STREET_STEMS = (
  'Alder Ash Beech Birch Cedar Elm Hawthorn Hazel Holly Larch Maple Oak Rowan Sycamore Willow Bradford Leeds Halifax ' +
  'Wakefield Church Mill Station Park Victoria Albert Wellington Nelson Moor Hill Bank Cliffe Spring Crown Westfield ' +
  'Eastfield Northfield Fieldhead Highfield Lowfield Carr Calder Colne Holme Fenay Ravens Kirk Thornhill Longroyd'
).split(' ');
export const STREET_TYPES = 'Road Street Lane Avenue Grove Close Crescent Drive Terrace Way Court Gardens Walk Rise View'.split(' ');

/** Kirklees local-authority code used in UPNs (DfE LA number). */
export const LA_CODE = 382;

export interface School {
  readonly urn: string;
  /** DfE establishment number (4 digits): 2xxx primary, 4xxx secondary. */
  readonly establishment: number;
  readonly name: string;
  readonly phase: 'primary' | 'secondary';
}

/** Invented schools. */
export const SCHOOLS: readonly School[] = [
  { urn: '190101', establishment: 2047, name: 'Oakfield Primary School', phase: 'primary' },
  { urn: '190102', establishment: 2063, name: 'Hollin Bank Primary Academy', phase: 'primary' },
  { urn: '190103', establishment: 2071, name: 'St Aidan\'s C of E Junior and Infant School', phase: 'primary' },
  { urn: '190104', establishment: 2088, name: 'Fieldhead Community Primary School', phase: 'primary' },
  { urn: '190105', establishment: 2102, name: 'Calder Vale Primary School', phase: 'primary' },
  { urn: '190106', establishment: 2115, name: 'Ravens Lodge Primary School', phase: 'primary' },
  { urn: '190107', establishment: 2131, name: 'Moorside Infant and Nursery School', phase: 'primary' },
  { urn: '190108', establishment: 2146, name: 'Colne Valley Primary Academy', phase: 'primary' },
  { urn: '190109', establishment: 2158, name: 'Thornhill Lees Primary School', phase: 'primary' },
  { urn: '190110', establishment: 2170, name: 'Highfield Park Primary School', phase: 'primary' },
  { urn: '190111', establishment: 2184, name: 'St Paulinus Catholic Primary School', phase: 'primary' },
  { urn: '190112', establishment: 2196, name: 'Longroyd Bridge Primary School', phase: 'primary' },
  { urn: '190201', establishment: 4012, name: 'Kirkfield High School', phase: 'secondary' },
  { urn: '190202', establishment: 4025, name: 'Spen Valley Academy', phase: 'secondary' },
  { urn: '190203', establishment: 4038, name: 'Holme Moor School', phase: 'secondary' },
  { urn: '190204', establishment: 4041, name: 'Batley Grange Academy', phase: 'secondary' },
  { urn: '190205', establishment: 4056, name: 'St John Fisher Catholic High School', phase: 'secondary' },
];

/** Invented GP practices (ODS-style codes). */
export const GP_PRACTICES: readonly { readonly odsCode: string; readonly name: string }[] = [
  { odsCode: 'Y90101', name: 'Fieldhead Surgery' },
  { odsCode: 'Y90102', name: 'Calder Valley Medical Centre' },
  { odsCode: 'Y90103', name: 'Ravensthorpe Health Centre' },
  { odsCode: 'Y90104', name: 'Moorlands Family Practice' },
  { odsCode: 'Y90105', name: 'Batley Grange Surgery' },
  { odsCode: 'Y90106', name: 'Holme Valley Practice' },
  { odsCode: 'Y90107', name: 'Spen Medical Group' },
  { odsCode: 'Y90108', name: 'Kirkgate Surgery' },
];

/** Invented hospitals. */
export const HOSPITALS = ['Kirkfield General Hospital', 'Calder District Hospital'] as const;

/** Invented social workers (allocated workers). */
export const SOCIAL_WORKERS = [
  'Aisha Rahman', 'Ben Hartley', 'Carol Ingham', 'Dev Mistry', 'Emma Walsh', 'Farah Iqbal', 'Gavin Pearce',
  'Hannah Booth', 'Ian Crowther', 'Jade Lockwood', 'Karl Brearley', 'Leah Ogden', 'Mina Chauhan', 'Nathan Sharpe',
] as const;
