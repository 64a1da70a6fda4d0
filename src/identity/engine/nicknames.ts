/**
 * Given names and the short forms and nicknames people are known by.
 *
 * Why: the school's "Bobby" and the GP's "Robert" are the commonest reason one child looks like
 * two. String metrics cannot see that Bob and Robert are one name, so the name
 * comparator asks this table. It lists common English-language given names with the forms
 * used for them in UK records (short forms, diminutives, and a few established equivalents such
 * as Liam for William); it is an equivalence on *names*, not a judgement about any person.
 * Not transitive on purpose: Jon is a form of John and of Jonathan, but John and Jonathan are
 * different names.
 */

/** Formal name → forms it is known by (lower case). */
const FORMS: Readonly<Record<string, string>> = {
  // male
  abraham: 'abe',
  albert: 'al bert bertie',
  alexander: 'alex alec sandy xander lex alexandre',
  alfred: 'alf alfie fred freddie',
  andrew: 'andy drew',
  anthony: 'tony ant antony',
  archibald: 'archie',
  arthur: 'art artie',
  benjamin: 'ben benji benny',
  bernard: 'bernie',
  bradley: 'brad',
  callum: 'cal',
  charles: 'charlie chas chuck chaz',
  christopher: 'chris kit topher',
  cameron: 'cam',
  daniel: 'dan danny',
  david: 'dave davey davie',
  dominic: 'dom',
  donald: 'don donny',
  douglas: 'doug dougie',
  edward: 'ed eddie ted teddy ned',
  edmund: 'ed eddie ned',
  francis: 'frank frankie fran',
  frederick: 'fred freddie freddy',
  gabriel: 'gabe',
  geoffrey: 'geoff jeff',
  george: 'georgie',
  gerald: 'gerry jerry',
  gregory: 'greg',
  harold: 'harry hal',
  henry: 'harry hal hank',
  herbert: 'herb bert',
  isaac: 'ike',
  jacob: 'jake',
  james: 'jim jimmy jamie jimbo',
  jeffrey: 'jeff',
  jeremy: 'jerry jez',
  jonathan: 'jon jonny jonty',
  john: 'jack johnny jon jonny',
  joseph: 'joe joey jo',
  joshua: 'josh',
  kenneth: 'ken kenny',
  lawrence: 'larry laurie',
  leonard: 'len lenny leo',
  louis: 'lou',
  lewis: 'lew',
  malcolm: 'mal',
  matthew: 'matt matty',
  maximilian: 'max',
  maxwell: 'max',
  michael: 'mike mick mikey micky mickey',
  mohammed: 'muhammad mohammad mohamed muhammed',
  nathan: 'nat nate',
  nathaniel: 'nat nate',
  nicholas: 'nick nicky nico',
  oliver: 'ollie olly',
  patrick: 'pat paddy',
  peter: 'pete',
  philip: 'phil pip',
  phillip: 'phil',
  raymond: 'ray',
  reginald: 'reg reggie',
  richard: 'rich rick ricky dick richie',
  robert: 'bob bobby rob robbie bert',
  ronald: 'ron ronnie',
  samuel: 'sam sammy',
  sebastian: 'seb',
  stanley: 'stan',
  stephen: 'steve stevie steph',
  steven: 'steve stevie',
  stuart: 'stu',
  terence: 'terry',
  theodore: 'theo ted teddy',
  thomas: 'tom tommy',
  timothy: 'tim timmy',
  tobias: 'toby',
  vincent: 'vince vinny',
  walter: 'walt wally',
  william: 'will bill billy liam willie willy',
  zachary: 'zac zack zach',
  // female
  abigail: 'abby abbie abi',
  alexandra: 'alex lexi sandra sasha',
  alice: 'ally allie',
  amanda: 'mandy',
  annabel: 'annie bella',
  ann: 'annie anne',
  anne: 'annie ann',
  barbara: 'barbie babs',
  caroline: 'carrie caro',
  catherine: 'cath cathy kate katie kat',
  charlotte: 'charlie lottie lotte',
  christina: 'chris tina christy',
  christine: 'chris chrissie tina',
  cynthia: 'cindy',
  deborah: 'debbie debs deb',
  dorothy: 'dot dotty dolly',
  eleanor: 'ellie nell nellie elle',
  elizabeth: 'liz lizzie lizzy beth betty eliza libby bess bessie elsie',
  ellen: 'ellie nell',
  emily: 'em emmy millie',
  emma: 'em emmie',
  evelyn: 'evie eve',
  florence: 'flo florrie',
  frances: 'fran frankie',
  gillian: 'gill jill',
  harriet: 'hattie',
  helen: 'nell',
  isabel: 'izzy bella issy',
  isabella: 'izzy bella issy',
  isabelle: 'izzy bella issy',
  jacqueline: 'jackie jacqui',
  jennifer: 'jen jenny jenna',
  jessica: 'jess jessie',
  josephine: 'jo josie',
  joanne: 'jo',
  judith: 'judy jude',
  katherine: 'kate katie kath kathy kat',
  kathleen: 'kath kathy kate',
  kimberley: 'kim',
  kimberly: 'kim',
  lillian: 'lily lil',
  louisa: 'lou',
  louise: 'lou lulu',
  lucinda: 'lucy cindy',
  madeleine: 'maddie maddy',
  madison: 'maddie maddy',
  margaret: 'maggie peggy meg megan mags marge',
  matilda: 'tilly tillie',
  melanie: 'mel',
  melissa: 'mel missy',
  mildred: 'millie',
  natalie: 'nat',
  nicola: 'nicky nikki',
  olivia: 'liv livvy',
  pamela: 'pam',
  patricia: 'pat patsy trish tricia',
  penelope: 'penny',
  philippa: 'pippa pip',
  rebecca: 'becky becca',
  rosemary: 'rosie rose',
  samantha: 'sam sammie sammy',
  sandra: 'sandy',
  sarah: 'sally sadie sara',
  sophia: 'sophie',
  sophie: 'soph',
  stephanie: 'steph',
  susan: 'sue susie suzy',
  suzanne: 'sue suzy',
  theresa: 'tess tessa terri',
  valerie: 'val',
  victoria: 'vicky vikki tori vicki',
  virginia: 'ginny',
  winifred: 'winnie',
};

/** Name → formal names it is a form of (a formal name is a form of itself). */
const FORMAL_OF: ReadonlyMap<string, ReadonlySet<string>> = (() => {
  const map = new Map<string, Set<string>>();
  const add = (name: string, formal: string): void => {
    const set = map.get(name) ?? new Set<string>();
    set.add(formal);
    map.set(name, set);
  };
  for (const [formal, forms] of Object.entries(FORMS)) {
    add(formal, formal);
    for (const form of forms.split(' ')) add(form, formal);
  }
  return map;
})();

/**
 * True when two (lower-case) given names are forms of one name: Bob and Robert, Bobby and Rob,
 * Liz and Beth. Identical names are not asked about here.
 */
export function areNicknameEquivalent(a: string, b: string): boolean {
  const fa = FORMAL_OF.get(a);
  const fb = FORMAL_OF.get(b);
  if (fa === undefined || fb === undefined) return false;
  for (const formal of fa) if (fb.has(formal)) return true;
  return false;
}

/** The formal names a given name is a form of (itself included when it is formal); for blocking. */
export function formalNamesOf(name: string): readonly string[] {
  return [...(FORMAL_OF.get(name) ?? [])];
}
