/**
 * The type catalog: built-in PostgreSQL types by OID and by SQL name, with
 * PostgreSQL's display names (format_type) and typmod encodings.
 */
import { SqlError } from '../errors.ts';
import { INTERVAL_FULL_PRECISION, INTERVAL_FULL_RANGE, intervalDisplay, intervalRangeOf, intervalTypmod } from './interval.ts';
import type { SqlType, TypeName } from './types.ts';

interface Base {
  readonly name: TypeName;
  readonly oid: number;
  readonly arrayOid: number;
  /** format_type name without typmod */
  readonly display: string;
}

const BASES: readonly Base[] = [
  { name: 'bool', oid: 16, arrayOid: 1000, display: 'boolean' },
  { name: 'int2', oid: 21, arrayOid: 1005, display: 'smallint' },
  { name: 'int4', oid: 23, arrayOid: 1007, display: 'integer' },
  { name: 'int8', oid: 20, arrayOid: 1016, display: 'bigint' },
  { name: 'numeric', oid: 1700, arrayOid: 1231, display: 'numeric' },
  { name: 'float4', oid: 700, arrayOid: 1021, display: 'real' },
  { name: 'float8', oid: 701, arrayOid: 1022, display: 'double precision' },
  { name: 'text', oid: 25, arrayOid: 1009, display: 'text' },
  { name: 'varchar', oid: 1043, arrayOid: 1015, display: 'character varying' },
  { name: 'bpchar', oid: 1042, arrayOid: 1014, display: 'character' },
  { name: 'name', oid: 19, arrayOid: 1003, display: 'name' },
  { name: 'uuid', oid: 2950, arrayOid: 2951, display: 'uuid' },
  { name: 'date', oid: 1082, arrayOid: 1182, display: 'date' },
  { name: 'timestamp', oid: 1114, arrayOid: 1115, display: 'timestamp without time zone' },
  { name: 'timestamptz', oid: 1184, arrayOid: 1185, display: 'timestamp with time zone' },
  { name: 'interval', oid: 1186, arrayOid: 1187, display: 'interval' },
  { name: 'json', oid: 114, arrayOid: 199, display: 'json' },
  { name: 'jsonb', oid: 3802, arrayOid: 3807, display: 'jsonb' },
];

/** Other built-in types we carry as text ('other'): oid, array oid, display name. */
const OTHERS: readonly (readonly [number, number, string])[] = [
  [17, 1001, 'bytea'],
  [18, 1002, '"char"'],
  [26, 1028, 'oid'],
  [142, 143, 'xml'],
  [650, 651, 'cidr'],
  [790, 791, 'money'],
  [829, 1040, 'macaddr'],
  [869, 1041, 'inet'],
  [1083, 1183, 'time without time zone'],
  [1266, 1270, 'time with time zone'],
  [1560, 1561, 'bit'],
  [1562, 1563, 'bit varying'],
  [600, 1017, 'point'],
  [3614, 3643, 'tsvector'],
];

const byOid = new Map<number, Base>();
const byArrayOid = new Map<number, Base>();
for (const b of BASES) {
  byOid.set(b.oid, b);
  byArrayOid.set(b.arrayOid, b);
}
const otherByOid = new Map<number, string>();
const otherByArrayOid = new Map<number, readonly [number, string]>();
for (const [oid, aoid, display] of OTHERS) {
  otherByOid.set(oid, display);
  otherByArrayOid.set(aoid, [oid, display]);
}

/** format_type's rendering of a base type with a typmod. */
function displayWithTypmod(name: TypeName, display: string, typmod: number): string {
  if (typmod < 0) return name === 'bpchar' ? 'bpchar' : display;
  switch (name) {
    case 'numeric': {
      const t = typmod - 4;
      return `numeric(${(t >> 16) & 0xffff},${t & 0xffff})`;
    }
    case 'varchar':
      return `character varying(${typmod - 4})`;
    case 'bpchar':
      return `character(${typmod - 4})`;
    case 'timestamp':
      return `timestamp(${typmod}) without time zone`;
    case 'timestamptz':
      return `timestamp(${typmod}) with time zone`;
    case 'interval':
      return intervalDisplay(typmod);
    default:
      return display;
  }
}

function make(b: Base, typmod: number): SqlType {
  return { name: b.name, oid: b.oid, typmod, display: displayWithTypmod(b.name, b.display, typmod) };
}

function baseOf(name: TypeName): Base {
  const b = BASES.find((x) => x.name === name);
  if (b === undefined) throw new Error(`no base type ${name}`);
  return b;
}

/** Type constants (typmod -1). */
export const T = {
  bool: make(baseOf('bool'), -1),
  int2: make(baseOf('int2'), -1),
  int4: make(baseOf('int4'), -1),
  int8: make(baseOf('int8'), -1),
  numeric: make(baseOf('numeric'), -1),
  float4: make(baseOf('float4'), -1),
  float8: make(baseOf('float8'), -1),
  text: make(baseOf('text'), -1),
  varchar: make(baseOf('varchar'), -1),
  bpchar: make(baseOf('bpchar'), -1),
  name: make(baseOf('name'), -1),
  uuid: make(baseOf('uuid'), -1),
  date: make(baseOf('date'), -1),
  timestamp: make(baseOf('timestamp'), -1),
  timestamptz: make(baseOf('timestamptz'), -1),
  interval: make(baseOf('interval'), -1),
  json: make(baseOf('json'), -1),
  jsonb: make(baseOf('jsonb'), -1),
  unknown: { name: 'unknown', oid: 705, typmod: -1, display: 'unknown' } as SqlType,
} as const;

/** The array type whose elements are `elem` (typmod of the array = element typmod, as in PostgreSQL). */
export function arrayOf(elem: SqlType): SqlType {
  let oid = 0;
  const b = byOid.get(elem.oid);
  if (b !== undefined) oid = b.arrayOid;
  else {
    const o = OTHERS.find((x) => x[0] === elem.oid);
    if (o !== undefined) oid = o[1];
  }
  return { name: 'array', oid, typmod: elem.typmod, elem, display: elem.display + '[]' };
}

/**
 * The SqlType of a column as PostgreSQL describes it (pg_attribute.atttypid,
 * atttypmod, and optionally format_type's text). Known array OIDs become
 * name 'array' with `elem`; unknown OIDs become 'other' (carried as text).
 */
export function typeFromOid(oid: number, typmod: number, display?: string): SqlType {
  const b = byOid.get(oid);
  if (b !== undefined) return make(b, typmod);
  const a = byArrayOid.get(oid);
  if (a !== undefined) return arrayOf(make(a, typmod));
  if (oid === 705) return T.unknown;
  const o = otherByOid.get(oid);
  if (o !== undefined) return { name: 'other', oid, typmod, display: display ?? o };
  const oa = otherByArrayOid.get(oid);
  if (oa !== undefined) {
    const elem: SqlType = { name: 'other', oid: oa[0], typmod, display: oa[1] };
    return { name: 'array', oid, typmod, elem, display: display ?? oa[1] + '[]' };
  }
  return { name: 'other', oid, typmod, display: display ?? `oid ${oid}` };
}

const NAME_ALIASES: Readonly<Record<string, TypeName>> = {
  int: 'int4',
  integer: 'int4',
  int4: 'int4',
  bigint: 'int8',
  int8: 'int8',
  smallint: 'int2',
  int2: 'int2',
  numeric: 'numeric',
  decimal: 'numeric',
  real: 'float4',
  float4: 'float4',
  'double precision': 'float8',
  float8: 'float8',
  text: 'text',
  varchar: 'varchar',
  'character varying': 'varchar',
  'char varying': 'varchar',
  char: 'bpchar',
  character: 'bpchar',
  bpchar: 'bpchar',
  boolean: 'bool',
  bool: 'bool',
  date: 'date',
  timestamp: 'timestamp',
  'timestamp without time zone': 'timestamp',
  timestamptz: 'timestamptz',
  'timestamp with time zone': 'timestamptz',
  json: 'json',
  jsonb: 'jsonb',
  uuid: 'uuid',
  name: 'name',
};

const OTHER_NAMES: Readonly<Record<string, number>> = {
  bytea: 17,
  '"char"': 18,
  oid: 26,
  xml: 142,
  cidr: 650,
  money: 790,
  macaddr: 829,
  inet: 869,
  time: 1083,
  'time without time zone': 1083,
  timetz: 1266,
  'time with time zone': 1266,
};

function unsupportedType(text: string): SqlError {
  return new SqlError('unsupported', `type "${text.trim()}" is not supported`);
}

function parseInt10(s: string, text: string): number {
  const t = s.trim();
  if (!/^\d+$/.test(t)) throw unsupportedType(text);
  return Number(t);
}

/**
 * Parses a SQL type name as written in a cast or column definition:
 * 'int', 'numeric(10,2)', 'varchar(20)', 'char(3)', 'double precision',
 * 'timestamp(3) with time zone', 'interval', 'interval(3)', 'interval day
 * to second(3)', 'int[]', 'text[][]', optional 'pg_catalog.' prefix;
 * case-insensitive. Other built-in names (bytea, time, …) give name
 * 'other'. Throws SqlError('unsupported') for anything else.
 */
export function parseTypeName(text: string): SqlType {
  let s = text.trim().toLowerCase().replace(/\s+/g, ' ');
  let arrayDims = 0;
  for (;;) {
    const m = /\s*\[\s*\d*\s*\]$/.exec(s);
    if (m === null) break;
    s = s.slice(0, m.index);
    arrayDims++;
  }
  if (s.endsWith(' array')) {
    s = s.slice(0, -6);
    arrayDims++;
  }
  if (s.startsWith('pg_catalog.')) s = s.slice(11);
  // pull out "(args)" wherever it is (timestamp(3) with time zone)
  let args: number[] = [];
  const open = s.indexOf('(');
  if (open >= 0) {
    const close = s.indexOf(')', open);
    if (close < 0) throw unsupportedType(text);
    args = s
      .slice(open + 1, close)
      .split(',')
      .map((x) => parseInt10(x, text));
    s = (s.slice(0, open).trim() + ' ' + s.slice(close + 1).trim()).trim();
  }
  let t: SqlType;
  const alias = NAME_ALIASES[s];
  if (s === 'interval' || s.startsWith('interval ')) {
    const range = intervalRangeOf(s.slice(8).trim());
    if (range === null || args.length > 1) throw unsupportedType(text);
    const p = args[0];
    // intervaltypmodin clamps precisions above 6 (with a warning)
    const precision = p === undefined ? INTERVAL_FULL_PRECISION : Math.min(p, 6);
    const typmod = range === INTERVAL_FULL_RANGE && p === undefined ? -1 : intervalTypmod(precision, range);
    t = typeFromOid(baseOf('interval').oid, typmod);
    args = [];
  } else if (s === 'float') {
    const p = args[0];
    t = p !== undefined && p <= 24 ? T.float4 : T.float8;
    if (p !== undefined && (p < 1 || p > 53)) throw unsupportedType(text);
    args = [];
  } else if (alias !== undefined) {
    t = typeFromOid(baseOf(alias).oid, typmodFor(alias, args, text));
  } else {
    const oid = OTHER_NAMES[s];
    if (oid === undefined || args.length > 0) throw unsupportedType(text);
    t = typeFromOid(oid, -1);
  }
  if (args.length > 0 && t.typmod < 0) throw unsupportedType(text);
  for (let d = 0; d < arrayDims; d++) if (t.name !== 'array') t = arrayOf(t);
  return t;
}

function typmodFor(name: TypeName, args: number[], text: string): number {
  if (args.length === 0) return name === 'bpchar' && !/\bbpchar\b/.test(text.toLowerCase()) ? 1 + 4 : -1;
  const a0 = args[0] as number;
  switch (name) {
    case 'numeric': {
      if (args.length > 2 || a0 < 1 || a0 > 1000) throw unsupportedType(text);
      const scale = args[1] ?? 0;
      if (scale < 0 || scale > a0) throw unsupportedType(text);
      return ((a0 << 16) | scale) + 4;
    }
    case 'varchar':
    case 'bpchar':
      if (args.length !== 1 || a0 < 1) throw unsupportedType(text);
      return a0 + 4;
    case 'timestamp':
    case 'timestamptz':
      if (args.length !== 1) throw unsupportedType(text);
      return Math.min(a0, 6);
    default:
      throw unsupportedType(text);
  }
}

/** numeric typmod → [precision, scale], or null when unconstrained. */
export function numericTypmod(typmod: number): [number, number] | null {
  if (typmod < 4) return null;
  const t = typmod - 4;
  return [(t >> 16) & 0xffff, t & 0xffff];
}

/** Same type ignoring typmod (for arrays: same element type). */
export function sameBaseType(a: SqlType, b: SqlType): boolean {
  if (a.name !== b.name) return false;
  if (a.name === 'array') return a.elem !== undefined && b.elem !== undefined && sameBaseType(a.elem, b.elem);
  if (a.name === 'other') return a.oid === b.oid;
  return true;
}

/** The same type without its typmod. */
export function withoutTypmod(t: SqlType): SqlType {
  if (t.typmod < 0) return t;
  if (t.name === 'array' && t.elem !== undefined) return arrayOf(withoutTypmod(t.elem));
  return typeFromOid(t.oid, -1, t.name === 'other' ? t.display : undefined);
}

/** The built-in type of a name without typmod (numeric and date/time/interval names; anything else is text). */
export function plainType(name: SqlType['name']): SqlType {
  switch (name) {
    case 'int2':
      return T.int2;
    case 'int4':
      return T.int4;
    case 'int8':
      return T.int8;
    case 'numeric':
      return T.numeric;
    case 'float4':
      return T.float4;
    case 'float8':
      return T.float8;
    case 'date':
      return T.date;
    case 'timestamp':
      return T.timestamp;
    case 'timestamptz':
      return T.timestamptz;
    case 'interval':
      return T.interval;
    default:
      return T.text;
  }
}

/** PostgreSQL's implicit promotion order of the numeric types (int2 < int4 < int8 < numeric < float4 < float8). */
export const NUMERIC_RANK: Partial<Record<SqlType['name'], number>> = {
  int2: 0,
  int4: 1,
  int8: 2,
  numeric: 3,
  float4: 4,
  float8: 5,
};
