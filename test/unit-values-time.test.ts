// Time functions, operators and the interval type against PostgreSQL.
//
// Every expected string in the tables below was produced by PostgreSQL 15.18 in a UTC
// session (SET TIME ZONE 'UTC') as `to_jsonb(<expr>)::text || ' :: ' ||
// format_type(pg_typeof(<expr>), NULL)`, or as the error's SQLSTATE and message;
// "unsupported" marks expressions PostgreSQL rejects at resolution time (42883
// "operator/function does not exist", 42725 "is not unique"), which
// src/values reports as SqlError('unsupported'). A literal ['unknown', s] is an
// untyped string literal; ['t', s] is CAST(s AS t); extract(...) is
// pg_catalog.extract(...), the function behind EXTRACT(field FROM x).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PgInterval,
  T,
  arrayOf,
  checkValueShape,
  commonType,
  compareDatums,
  decodeText,
  equalityKey,
  outputText,
  parseInterval,
  parseTypeName,
  renderJson,
  renderText,
  resolveBinary,
  resolveCast,
  resolveFunction,
  resolveUnary,
  rowKey,
  typeFromOid,
  withoutTypmod,
  type BinaryOp,
  type Datum,
  type SqlType,
  type Value,
} from '../src/values/index.ts';
import { SqlError, SqlRuntimeError } from '../src/errors.ts';

/** A literal: [type, text]; type 'unknown' is an untyped string literal. */
type Lit = readonly [string, string];
type Case =
  | { readonly k: 'bin'; readonly l: Lit; readonly op: BinaryOp; readonly r: Lit }
  | { readonly k: 'fn'; readonly name: string; readonly args: readonly Lit[] }
  | { readonly k: 'neg'; readonly a: Lit }
  | { readonly k: 'cast'; readonly a: Lit; readonly to: string };
/** [expression, PostgreSQL's result]. */
type Row = readonly [Case, string];

const bin = (l: Lit, op: string, r: Lit): Case => ({ k: 'bin', l, op: op as BinaryOp, r });
const fn = (name: string, ...args: Lit[]): Case => ({ k: 'fn', name, args });
const neg = (a: Lit): Case => ({ k: 'neg', a });
const cast = (a: Lit, to: string): Case => ({ k: 'cast', a, to });

function litSql([t, s]: Lit): string {
  const q = "'" + s.replace(/'/g, "''") + "'";
  return t === 'unknown' ? q : `${t} ${q}`;
}

function sqlOf(c: Case): string {
  switch (c.k) {
    case 'bin':
      return `${litSql(c.l)} ${c.op} ${litSql(c.r)}`;
    case 'fn':
      return `${c.name}(${c.args.map(litSql).join(', ')})`;
    case 'neg':
      return `-${litSql(c.a)}`;
    case 'cast':
      return `${litSql(c.a)}::${c.to}`;
  }
}

/** A literal's type and value, as the compiler makes them (an unknown literal stays a string). */
function literal([t, s]: Lit): [SqlType, Value] {
  if (t === 'unknown') return [T.unknown, s];
  const type = parseTypeName(t);
  return [type, resolveCast(T.unknown, type)(s)];
}

function castTo(from: SqlType, to: SqlType, v: Value): Value {
  if (v === null || from === to) return v;
  return resolveCast(from, to)(v as Datum);
}

function shown(v: Value, type: SqlType): string {
  return `${renderJson(v, type)} :: ${withoutTypmod(type).display}`;
}

/** Evaluates a case like the compiler would (resolve, cast the operands, apply; strict on NULL). */
function evaluate(c: Case): string {
  try {
    switch (c.k) {
      case 'bin': {
        const [lt, lv] = literal(c.l);
        const [rt, rv] = literal(c.r);
        const r = resolveBinary(c.op, lt, rt);
        const a = castTo(lt, r.left, lv);
        const b = castTo(rt, r.right, rv);
        return shown(a === null || b === null ? null : r.fn(a as Datum, b as Datum), r.result);
      }
      case 'fn': {
        const lits = c.args.map(literal);
        const types = lits.map(([t]) => (t.name === 'unknown' ? T.text : t));
        const f = resolveFunction(c.name, types);
        assert.ok(f.strict);
        const args = lits.map(([t, v], i) => castTo(t.name === 'unknown' ? T.text : t, f.args[i] as SqlType, v));
        return shown(args.some((x) => x === null) ? null : f.fn(args), f.result);
      }
      case 'neg': {
        const [t, v] = literal(c.a);
        const u = resolveUnary('-', t);
        return shown(v === null ? null : u.fn(castTo(t, u.arg, v) as Datum), u.result);
      }
      case 'cast': {
        const [t, v] = literal(c.a);
        const to = parseTypeName(c.to);
        return shown(castTo(t, to, v), to);
      }
    }
  } catch (e) {
    if (e instanceof SqlRuntimeError) return `ERROR ${e.sqlstate}: ${e.message}`;
    if (e instanceof SqlError && e.code === 'unsupported') return 'unsupported';
    throw e;
  }
}

function check(rows: readonly Row[]): void {
  for (const [c, expected] of rows) assert.equal(evaluate(c), expected, sqlOf(c));
}

/** interval input (unknown literal → interval) and its output. */
const intervalInput: readonly Row[] = [
  [cast(['unknown', '1 year 2 mons 3 days 04:05:06.789'], 'interval'), '"1 year 2 mons 3 days 04:05:06.789" :: interval'],
  [cast(['unknown', '1 day'], 'interval'), '"1 day" :: interval'],
  [cast(['unknown', '2 hours 30 minutes'], 'interval'), '"02:30:00" :: interval'],
  [cast(['unknown', '1 mon'], 'interval'), '"1 mon" :: interval'],
  [cast(['unknown', '1 year'], 'interval'), '"1 year" :: interval'],
  [cast(['unknown', '-1 day'], 'interval'), '"-1 days" :: interval'],
  [cast(['unknown', '01:02:03'], 'interval'), '"01:02:03" :: interval'],
  [cast(['unknown', '1.5 hours'], 'interval'), '"01:30:00" :: interval'],
  [cast(['unknown', '3 days 04:00'], 'interval'), '"3 days 04:00:00" :: interval'],
  [cast(['unknown', '-1 second'], 'interval'), '"-00:00:01" :: interval'],
  [cast(['unknown', '-00:00:01'], 'interval'), '"-00:00:01" :: interval'],
  [cast(['unknown', '-1 year -2 mons +3 days -04:05:06'], 'interval'), '"-1 years -2 mons +3 days -04:05:06" :: interval'],
  [cast(['unknown', '1 year -1 day'], 'interval'), '"1 year -1 days" :: interval'],
  [cast(['unknown', '-1 day 02:00'], 'interval'), '"-1 days +02:00:00" :: interval'],
  [cast(['unknown', '1 mon -1 day'], 'interval'), '"1 mon -1 days" :: interval'],
  [cast(['unknown', '1 day -00:00:01'], 'interval'), '"1 day -00:00:01" :: interval'],
  [cast(['unknown', '+1 day -1 hour'], 'interval'), '"1 day -01:00:00" :: interval'],
  [cast(['unknown', '0'], 'interval'), '"00:00:00" :: interval'],
  [cast(['unknown', '00:00:00'], 'interval'), '"00:00:00" :: interval'],
  [cast(['unknown', '5'], 'interval'), '"00:00:05" :: interval'],
  [cast(['unknown', '1:2'], 'interval'), '"01:02:00" :: interval'],
  [cast(['unknown', '1 2:03'], 'interval'), '"1 day 02:03:00" :: interval'],
  [cast(['unknown', '1-2'], 'interval'), '"1 year 2 mons" :: interval'],
  [cast(['unknown', '-1-2'], 'interval'), '"-1 years -2 mons" :: interval'],
  [cast(['unknown', '1-2 3'], 'interval'), '"1 year 2 mons 00:00:03" :: interval'],
  [cast(['unknown', '1.5 years'], 'interval'), '"1 year 6 mons" :: interval'],
  [cast(['unknown', '1.5 months'], 'interval'), '"1 mon 15 days" :: interval'],
  [cast(['unknown', '1.5 days'], 'interval'), '"1 day 12:00:00" :: interval'],
  [cast(['unknown', '1.5 weeks'], 'interval'), '"10 days 12:00:00" :: interval'],
  [cast(['unknown', '0.1 years'], 'interval'), '"1 mon" :: interval'],
  [cast(['unknown', '0.01 years'], 'interval'), '"00:00:00" :: interval'],
  [cast(['unknown', '1.99 years'], 'interval'), '"2 years" :: interval'],
  [cast(['unknown', '-1.5 years'], 'interval'), '"-1 years -6 mons" :: interval'],
  [cast(['unknown', '1 week'], 'interval'), '"7 days" :: interval'],
  [cast(['unknown', '1 decade'], 'interval'), '"10 years" :: interval'],
  [cast(['unknown', '1 century'], 'interval'), '"100 years" :: interval'],
  [cast(['unknown', '1 millennium'], 'interval'), '"1000 years" :: interval'],
  [cast(['unknown', '100 microseconds'], 'interval'), '"00:00:00.0001" :: interval'],
  [cast(['unknown', '100 milliseconds'], 'interval'), '"00:00:00.1" :: interval'],
  [cast(['unknown', '1 msecond'], 'interval'), '"00:00:00.001" :: interval'],
  [cast(['unknown', '1 usecond'], 'interval'), '"00:00:00.000001" :: interval'],
  [cast(['unknown', '1.5'], 'interval'), '"00:00:01.5" :: interval'],
  [cast(['unknown', '-1.5'], 'interval'), '"-00:00:01.5" :: interval'],
  [cast(['unknown', '.5'], 'interval'), '"00:00:00.5" :: interval'],
  [cast(['unknown', '-00:00:00.5'], 'interval'), '"-00:00:00.5" :: interval'],
  [cast(['unknown', '1:02.5'], 'interval'), '"00:01:02.5" :: interval'],
  [cast(['unknown', '1:2:3.'], 'interval'), '"01:02:03" :: interval'],
  [cast(['unknown', '1:'], 'interval'), '"01:00:00" :: interval'],
  [cast(['unknown', '0:0:0.9999999'], 'interval'), '"00:00:01" :: interval'],
  [cast(['unknown', '1 day ago'], 'interval'), '"-1 days" :: interval'],
  [cast(['unknown', '@ 1 day ago'], 'interval'), '"-1 days" :: interval'],
  [cast(['unknown', '1 hour 1 minute ago'], 'interval'), '"-01:01:00" :: interval'],
  [cast(['unknown', '1h'], 'interval'), '"01:00:00" :: interval'],
  [cast(['unknown', '10 min'], 'interval'), '"00:10:00" :: interval'],
  [cast(['unknown', '10 secs'], 'interval'), '"00:00:10" :: interval'],
  [cast(['unknown', '2 d'], 'interval'), '"2 days" :: interval'],
  [cast(['unknown', '1 yr 2 hrs'], 'interval'), '"1 year 02:00:00" :: interval'],
  [cast(['unknown', '1 y 1 m'], 'interval'), '"1 year 00:01:00" :: interval'],
  [cast(['unknown', '1 d 2 h 3 m 4 s'], 'interval'), '"1 day 02:03:04" :: interval'],
  [cast(['unknown', '1 days, 2 hours'], 'interval'), '"1 day 02:00:00" :: interval'],
  [cast(['unknown', '- 1 day'], 'interval'), '"-1 days" :: interval'],
  [cast(['unknown', '+ 1 day'], 'interval'), '"1 day" :: interval'],
  [cast(['unknown', '   1 day  '], 'interval'), '"1 day" :: interval'],
  [cast(['unknown', '1 microsecondsxyz'], 'interval'), '"00:00:00.000001" :: interval'],
  [cast(['unknown', '01:00 1.5 days'], 'interval'), '"1 day 01:00:00" :: interval'],
  [cast(['unknown', '1 day 2'], 'interval'), '"1 day 00:00:02" :: interval'],
  [cast(['unknown', '1 day day'], 'interval'), '"1 day" :: interval'],
  [cast(['unknown', '0.000001 sec'], 'interval'), '"00:00:00.000001" :: interval'],
  [cast(['unknown', '0.0000005 sec'], 'interval'), '"00:00:00" :: interval'],
  [cast(['unknown', '1.0000005 sec'], 'interval'), '"00:00:01" :: interval'],
  [cast(['unknown', '0.0000015 sec'], 'interval'), '"00:00:00.000001" :: interval'],
  [cast(['unknown', '1:2:3.0000005'], 'interval'), '"01:02:03" :: interval'],
  [cast(['unknown', '1:2:3.0000015'], 'interval'), '"01:02:03.000002" :: interval'],
  [cast(['unknown', '100:00:00'], 'interval'), '"100:00:00" :: interval'],
  [cast(['unknown', '-100:00:00.123456'], 'interval'), '"-100:00:00.123456" :: interval'],
  [cast(['unknown', '-1 +1:00:00'], 'interval'), '"-1 days +01:00:00" :: interval'],
  [cast(['unknown', '1 -1:00'], 'interval'), '"1 day -01:00:00" :: interval'],
  [cast(['unknown', '1 second 1 millisecond'], 'interval'), '"00:00:01.001" :: interval'],
  [cast(['unknown', '1 millisecond 1 microsecond'], 'interval'), '"00:00:00.001001" :: interval'],
  [cast(['unknown', '1 year 2 mons 3 weeks 4 days 5 hours 6 mins 7 secs 8 msecs 9 usecs'], 'interval'), '"1 year 2 mons 25 days 05:06:07.008009" :: interval'],
  [cast(['unknown', '2147483647 days'], 'interval'), '"2147483647 days" :: interval'],
  [cast(['unknown', '-2147483648 days'], 'interval'), '"-2147483648 days" :: interval'],
  [cast(['unknown', '178956970 years 7 mons'], 'interval'), '"178956970 years 7 mons" :: interval'],
  [cast(['unknown', '-178956970 years -8 mons'], 'interval'), '"-178956970 years -8 mons" :: interval'],
  [cast(['unknown', '9223372036854775807 microseconds'], 'interval'), '"2562047788:00:54.775807" :: interval'],
  [cast(['unknown', '2562047788:00:54.775807'], 'interval'), '"2562047788:00:54.775807" :: interval'],
  [cast(['unknown', '2562047788 hours'], 'interval'), '"2562047788:00:00" :: interval'],
  [cast(['unknown', 'P1Y2M3DT4H5M6S'], 'interval'), '"1 year 2 mons 3 days 04:05:06" :: interval'],
  [cast(['unknown', 'P1.5Y'], 'interval'), '"1 year 6 mons" :: interval'],
  [cast(['unknown', 'PT1.5H'], 'interval'), '"01:30:00" :: interval'],
  [cast(['unknown', 'P1W'], 'interval'), '"7 days" :: interval'],
  [cast(['unknown', 'P-1D'], 'interval'), '"-1 days" :: interval'],
  [cast(['unknown', 'PT-1.5S'], 'interval'), '"-00:00:01.5" :: interval'],
  [cast(['unknown', 'P0001-02-03T04:05:06'], 'interval'), '"1 year 2 mons 3 days 04:05:06" :: interval'],
  [cast(['unknown', 'P00010203T040506'], 'interval'), '"1 year 2 mons 3 days 04:05:06" :: interval'],
  [cast(['unknown', 'PT36H'], 'interval'), '"36:00:00" :: interval'],
  [cast(['unknown', 'P1Y-1M'], 'interval'), '"11 mons" :: interval'],
];

/** interval input errors: syntax (22007), field overflow (22015), range (22008). */
const intervalInputErrors: readonly Row[] = [
  [cast(['unknown', ''], 'interval'), 'ERROR 22007: invalid input syntax for type interval: ""'],
  [cast(['unknown', 'foo'], 'interval'), 'ERROR 22007: invalid input syntax for type interval: "foo"'],
  [cast(['unknown', 'invalid'], 'interval'), 'ERROR 22007: invalid input syntax for type interval: "invalid"'],
  [cast(['unknown', '1 days 1 day'], 'interval'), 'ERROR 22007: invalid input syntax for type interval: "1 days 1 day"'],
  [cast(['unknown', '1 mon 1 mon'], 'interval'), 'ERROR 22007: invalid input syntax for type interval: "1 mon 1 mon"'],
  [cast(['unknown', '1 2'], 'interval'), 'ERROR 22007: invalid input syntax for type interval: "1 2"'],
  [cast(['unknown', '2 1'], 'interval'), 'ERROR 22007: invalid input syntax for type interval: "2 1"'],
  [cast(['unknown', '1 quarter'], 'interval'), 'ERROR 22007: invalid input syntax for type interval: "1 quarter"'],
  [cast(['unknown', '10 tz'], 'interval'), 'ERROR 22007: invalid input syntax for type interval: "10 tz"'],
  [cast(['unknown', '1e3 seconds'], 'interval'), 'ERROR 22007: invalid input syntax for type interval: "1e3 seconds"'],
  [cast(['unknown', '1,5 days'], 'interval'), 'ERROR 22007: invalid input syntax for type interval: "1,5 days"'],
  [cast(['unknown', '1.5.3'], 'interval'), 'ERROR 22007: invalid input syntax for type interval: "1.5.3"'],
  [cast(['unknown', '1 hour 01:00'], 'interval'), 'ERROR 22007: invalid input syntax for type interval: "1 hour 01:00"'],
  [cast(['unknown', '1.5 second 1 millisecond'], 'interval'), 'ERROR 22007: invalid input syntax for type interval: "1.5 second 1 millisecond"'],
  [cast(['unknown', '1 ago'], 'interval'), 'ERROR 22007: invalid input syntax for type interval: "1 ago"'],
  [cast(['unknown', 'day'], 'interval'), 'ERROR 22007: invalid input syntax for type interval: "day"'],
  [cast(['unknown', 'p1d'], 'interval'), 'ERROR 22007: invalid input syntax for type interval: "p1d"'],
  [cast(['unknown', 'P1D '], 'interval'), 'ERROR 22007: invalid input syntax for type interval: "P1D "'],
  [cast(['unknown', '1:2:3:4'], 'interval'), 'ERROR 22007: invalid input syntax for type interval: "1:2:3:4"'],
  [cast(['unknown', 'epoch'], 'interval'), 'ERROR 22007: invalid input syntax for type interval: "epoch"'],
  [cast(['unknown', '1:60:00'], 'interval'), 'ERROR 22015: interval field value out of range: "1:60:00"'],
  [cast(['unknown', '1:59:61'], 'interval'), 'ERROR 22015: interval field value out of range: "1:59:61"'],
  [cast(['unknown', '2147483648 days'], 'interval'), 'ERROR 22015: interval field value out of range: "2147483648 days"'],
  [cast(['unknown', '2147483647 days 1 day'], 'interval'), 'ERROR 22015: interval field value out of range: "2147483647 days 1 day"'],
  [cast(['unknown', '9223372036854775808 microseconds'], 'interval'), 'ERROR 22015: interval field value out of range: "9223372036854775808 microseconds"'],
  [cast(['unknown', '2562047789 hours'], 'interval'), 'ERROR 22015: interval field value out of range: "2562047789 hours"'],
  [cast(['unknown', '1-12'], 'interval'), 'ERROR 22015: interval field value out of range: "1-12"'],
  [cast(['unknown', '178956971 years'], 'interval'), 'ERROR 22008: interval out of range'],
  [cast(['unknown', '178956970 years 8 mons'], 'interval'), 'ERROR 22008: interval out of range'],
  [cast(['unknown', '00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001 day'], 'interval'), '"1 day" :: interval'],
];

/** interval typmods: precision rounds, field ranges truncate; for a literal the range also decides what a bare number means. */
const intervalTypmods: readonly Row[] = [
  [cast(['unknown', '1.5 second'], 'interval(0)'), '"00:00:02" :: interval'],
  [cast(['unknown', '-1.5 second'], 'interval(0)'), '"-00:00:02" :: interval'],
  [cast(['unknown', '2.5 second'], 'interval(0)'), '"00:00:03" :: interval'],
  [cast(['unknown', '1 day 1.555 second'], 'interval(2)'), '"1 day 00:00:01.56" :: interval'],
  [cast(['unknown', '-0.1235 seconds'], 'interval(3)'), '"-00:00:00.124" :: interval'],
  [cast(['unknown', '1 year 2 months 3 days 04:05:06.7'], 'interval year'), '"1 year" :: interval'],
  [cast(['unknown', '-1 year -7 mons'], 'interval year'), '"-1 years" :: interval'],
  [cast(['unknown', '1 year 2 months 3 days 04:05:06.7'], 'interval month'), '"1 year 2 mons" :: interval'],
  [cast(['unknown', '1 year 2 months 3 days 04:05:06.7'], 'interval day'), '"1 year 2 mons 3 days" :: interval'],
  [cast(['unknown', '1 year 2 months 3 days 04:05:06.7'], 'interval day to hour'), '"1 year 2 mons 3 days 04:00:00" :: interval'],
  [cast(['unknown', '1 year 2 months 3 days 04:05:06.7'], 'interval hour to minute'), '"1 year 2 mons 3 days 04:05:00" :: interval'],
  [cast(['unknown', '1 year 2 months 3 days 04:05:06.7'], 'interval minute to second(0)'), '"1 year 2 mons 3 days 04:05:07" :: interval'],
  [cast(['unknown', '-1:30:30'], 'interval hour'), '"-01:00:00" :: interval'],
  [cast(['unknown', '1'], 'interval year'), '"1 year" :: interval'],
  [cast(['unknown', '1'], 'interval month'), '"1 mon" :: interval'],
  [cast(['unknown', '1'], 'interval day'), '"1 day" :: interval'],
  [cast(['unknown', '1'], 'interval hour'), '"01:00:00" :: interval'],
  [cast(['unknown', '1'], 'interval day to minute'), '"00:01:00" :: interval'],
  [cast(['unknown', '1'], 'interval second'), '"00:00:01" :: interval'],
  [cast(['unknown', '1:2'], 'interval minute to second'), '"00:01:02" :: interval'],
  [cast(['unknown', '1:2'], 'interval hour to second'), '"01:02:00" :: interval'],
  [cast(['unknown', '1 2'], 'interval day to hour'), '"1 day 02:00:00" :: interval'],
  [cast(['text', '1'], 'interval day'), '"00:00:00" :: interval'],
  [cast(['varchar', '1'], 'interval hour'), '"00:00:00" :: interval'],
  [cast(['bpchar', '1 day  '], 'interval'), '"1 day" :: interval'],
  [cast(['interval', '1 day 02:03:04.5678'], 'interval(2)'), '"1 day 02:03:04.57" :: interval'],
  [cast(['interval', '1 year 1 day 02:03:04.5678'], 'interval month'), '"1 year" :: interval'],
  [cast(['interval', '1 day 02:00'], 'text'), '"1 day 02:00:00" :: text'],
  [cast(['unknown', '{"1 day","-00:00:01",NULL}'], 'interval[]'), '["1 day", "-00:00:01", null] :: interval[]'],
  [cast(['interval[]', '{"1 day","-00:00:01",NULL}'], 'text'), '"{\\"1 day\\",-00:00:01,NULL}" :: text'],
  [cast(['unknown', '{{"1 mon"},{"2 years"}}'], 'interval[]'), '[["1 mon"], ["2 years"]] :: interval[]'],
];

/** interval ± interval, unary minus, comparisons, * and / by numbers (float8), justify_*. */
const intervalArithmetic: readonly Row[] = [
  [bin(['interval', '1 day'], '+', ['interval', '2 hours']), '"1 day 02:00:00" :: interval'],
  [bin(['interval', '1 day'], '-', ['interval', '2 hours']), '"1 day -02:00:00" :: interval'],
  [bin(['interval', '1 year 2 mons'], '-', ['interval', '3 mons 1 day']), '"11 mons -1 days" :: interval'],
  [bin(['interval', '178956970 years 7 mons'], '+', ['interval', '1 mon']), 'ERROR 22008: interval out of range'],
  [bin(['interval', '2147483647 days'], '+', ['interval', '1 day']), 'ERROR 22008: interval out of range'],
  [bin(['interval', '2562047788:00:54.775807'], '+', ['interval', '00:00:00.000001']), 'ERROR 22008: interval out of range'],
  [neg(['interval', '1 day 02:00']), '"-1 days -02:00:00" :: interval'],
  [neg(['interval', '-1 year -2 mons +3 days -04:05:06']), '"1 year 2 mons -3 days +04:05:06" :: interval'],
  [neg(['interval', '-178956970 years -8 mons']), 'ERROR 22008: interval out of range'],
  [neg(['interval', '-2147483648 days']), 'ERROR 22008: interval out of range'],
  [bin(['interval', '1 day'], '<', ['interval', '1 day']), 'false :: boolean'],
  [bin(['interval', '1 day'], '<', ['interval', '1 mon']), 'true :: boolean'],
  [bin(['interval', '1 day'], '<', ['interval', '30 days']), 'true :: boolean'],
  [bin(['interval', '1 day'], '<', ['interval', '-1 mon']), 'false :: boolean'],
  [bin(['interval', '1 mon'], '<', ['interval', '1 day']), 'false :: boolean'],
  [bin(['interval', '1 mon'], '<', ['interval', '1 mon']), 'false :: boolean'],
  [bin(['interval', '1 mon'], '<', ['interval', '30 days']), 'false :: boolean'],
  [bin(['interval', '1 mon'], '<', ['interval', '-1 mon']), 'false :: boolean'],
  [bin(['interval', '30 days'], '<', ['interval', '1 day']), 'false :: boolean'],
  [bin(['interval', '30 days'], '<', ['interval', '1 mon']), 'false :: boolean'],
  [bin(['interval', '30 days'], '<', ['interval', '30 days']), 'false :: boolean'],
  [bin(['interval', '30 days'], '<', ['interval', '-1 mon']), 'false :: boolean'],
  [bin(['interval', '-1 mon'], '<', ['interval', '1 day']), 'true :: boolean'],
  [bin(['interval', '-1 mon'], '<', ['interval', '1 mon']), 'true :: boolean'],
  [bin(['interval', '-1 mon'], '<', ['interval', '30 days']), 'true :: boolean'],
  [bin(['interval', '-1 mon'], '<', ['interval', '-1 mon']), 'false :: boolean'],
  [bin(['interval', '25 hours'], '<', ['interval', '1 day']), 'false :: boolean'],
  [bin(['interval', '25 hours'], '<', ['interval', '1 mon']), 'true :: boolean'],
  [bin(['interval', '25 hours'], '<', ['interval', '30 days']), 'true :: boolean'],
  [bin(['interval', '25 hours'], '<', ['interval', '-1 mon']), 'false :: boolean'],
  [bin(['interval', '1 year 2 mons 3 days 04:05:06.789'], '<', ['interval', '1 day']), 'false :: boolean'],
  [bin(['interval', '1 year 2 mons 3 days 04:05:06.789'], '<', ['interval', '1 mon']), 'false :: boolean'],
  [bin(['interval', '1 year 2 mons 3 days 04:05:06.789'], '<', ['interval', '30 days']), 'false :: boolean'],
  [bin(['interval', '1 year 2 mons 3 days 04:05:06.789'], '<', ['interval', '-1 mon']), 'false :: boolean'],
  [bin(['interval', '-1 days +02:00:00'], '<', ['interval', '1 day']), 'true :: boolean'],
  [bin(['interval', '-1 days +02:00:00'], '<', ['interval', '1 mon']), 'true :: boolean'],
  [bin(['interval', '-1 days +02:00:00'], '<', ['interval', '30 days']), 'true :: boolean'],
  [bin(['interval', '-1 days +02:00:00'], '<', ['interval', '-1 mon']), 'false :: boolean'],
  [bin(['interval', '1 mon'], '=', ['interval', '30 days']), 'true :: boolean'],
  [bin(['interval', '1 day'], '=', ['interval', '24 hours']), 'true :: boolean'],
  [bin(['interval', '1 mon'], '>', ['interval', '29 days 23:59:59.999999']), 'true :: boolean'],
  [bin(['interval', '1 mon'], '<>', ['interval', '720:00:00']), 'false :: boolean'],
  [bin(['interval', '-1 mon'], '<=', ['interval', '-30 days']), 'true :: boolean'],
  [bin(['interval', '1 day'], '*', ['int', '2']), '"2 days" :: interval'],
  [bin(['int', '2'], '*', ['interval', '1 day']), '"2 days" :: interval'],
  [bin(['interval', '1 day'], '*', ['bigint', '2']), '"2 days" :: interval'],
  [bin(['interval', '1 day'], '*', ['smallint', '-3']), '"-3 days" :: interval'],
  [bin(['interval', '1 day'], '*', ['numeric', '2.5']), '"2 days 12:00:00" :: interval'],
  [bin(['interval', '1 day'], '*', ['real', '1.1']), '"1 day 02:24:00.00206" :: interval'],
  [bin(['interval', '1 mon'], '*', ['float8', '0.5']), '"15 days" :: interval'],
  [bin(['interval', '1 mon'], '*', ['float8', '-0.5']), '"-15 days" :: interval'],
  [bin(['interval', '1 mon'], '*', ['float8', '0.3333']), '"9 days 23:58:33.6" :: interval'],
  [bin(['interval', '1 mon 1 day 1 hour'], '*', ['float8', '1.37']), '"1 mon 12 days 12:39:00" :: interval'],
  [bin(['interval', '1 day 1 sec'], '*', ['float8', '1.5']), '"1 day 12:00:01.5" :: interval'],
  [bin(['interval', '1 year'], '*', ['float8', '0.001']), '"08:38:24" :: interval'],
  [bin(['interval', '100 years'], '*', ['numeric', '1.1']), '"110 years" :: interval'],
  [bin(['interval', '-1 day'], '*', ['float8', '0.5']), '"-12:00:00" :: interval'],
  [bin(['interval', '1 day'], '*', ['float8', '-0.0']), '"00:00:00" :: interval'],
  [bin(['interval', '1 mon'], '*', ['float8', '1e10']), 'ERROR 22008: interval out of range'],
  [bin(['interval', '1 hour'], '*', ['float8', 'NaN']), 'ERROR 22008: interval out of range'],
  [bin(['interval', '1 hour'], '*', ['float8', 'Infinity']), 'ERROR 22008: interval out of range'],
  [bin(['interval', '1 mon'], '/', ['int', '3']), '"10 days" :: interval'],
  [bin(['interval', '7 mons'], '/', ['int', '3']), '"2 mons 10 days" :: interval'],
  [bin(['interval', '1 mon 1 day 1 hour'], '/', ['int', '7']), '"4 days 10:25:42.832457" :: interval'],
  [bin(['interval', '1 day'], '/', ['numeric', '0.5']), '"2 days" :: interval'],
  [bin(['interval', '1 day'], '/', ['int', '0']), 'ERROR 22012: division by zero'],
  [bin(['interval', '1 hour'], '/', ['float8', 'Infinity']), '"00:00:00" :: interval'],
  [bin(['interval', '1 hour'], '/', ['float8', 'NaN']), 'ERROR 22008: interval out of range'],
  [bin(['interval', '1000000000 mons'], '/', ['float8', '0.1']), 'ERROR 22008: interval out of range'],
  [bin(['interval', '1 day'], '+', ['int', '1']), 'unsupported'],
  [bin(['interval', '1 day'], '%', ['int', '2']), 'unsupported'],
  [bin(['interval', '1 day'], '*', ['interval', '1 day']), 'unsupported'],
  [fn('justify_days', ['interval', '-35 days']), '"-1 mons -5 days" :: interval'],
  [fn('justify_days', ['interval', '1 mon -35 days']), '"-5 days" :: interval'],
  [fn('justify_days', ['interval', '65 days 25:00:00']), '"2 mons 5 days 25:00:00" :: interval'],
  [fn('justify_days', ['interval', '2147483647 mons 30 days']), 'ERROR 22008: interval out of range'],
  [fn('justify_hours', ['interval', '1 day -25:00:00']), '"-01:00:00" :: interval'],
  [fn('justify_hours', ['interval', '50:00:00.5']), '"2 days 02:00:00.5" :: interval'],
  [fn('justify_hours', ['interval', '2147483647 days 24:00:00']), 'ERROR 22008: interval out of range'],
  [fn('justify_interval', ['interval', '1 mon -1 hour']), '"29 days 23:00:00" :: interval'],
  [fn('justify_interval', ['interval', '-1 mon 1 hour']), '"-29 days -23:00:00" :: interval'],
  [fn('justify_interval', ['interval', '1 year 65 days 50:00:00']), '"1 year 2 mons 7 days 02:00:00" :: interval'],
];

/** timestamp/timestamptz/date ± interval, timestamp - timestamp, date ± integer, date - date, unknown literals. */
const datetimeArithmetic: readonly Row[] = [
  [bin(['timestamp', '2024-01-31'], '+', ['interval', '1 mon']), '"2024-02-29T00:00:00" :: timestamp without time zone'],
  [bin(['timestamp', '2024-03-31'], '-', ['interval', '1 mon']), '"2024-02-29T00:00:00" :: timestamp without time zone'],
  [bin(['timestamp', '2023-01-31 10:00'], '+', ['interval', '1 mon']), '"2023-02-28T10:00:00" :: timestamp without time zone'],
  [bin(['timestamp', '2024-02-29'], '+', ['interval', '1 year']), '"2025-02-28T00:00:00" :: timestamp without time zone'],
  [bin(['timestamp', '2024-01-01'], '+', ['interval', '1 year 2 mons 3 days 04:05:06.789']), '"2025-03-04T04:05:06.789" :: timestamp without time zone'],
  [bin(['timestamp', '2024-01-01'], '-', ['interval', '1 mon 1 day 1 hour']), '"2023-11-29T23:00:00" :: timestamp without time zone'],
  [bin(['timestamp', '2024-03-10 12:00'], '+', ['interval', '-1 days +02:00:00']), '"2024-03-09T14:00:00" :: timestamp without time zone'],
  [bin(['timestamp', '2024-01-01'], '+', ['interval', '-13 mons']), '"2022-12-01T00:00:00" :: timestamp without time zone'],
  [bin(['timestamp', '0001-01-01'], '-', ['interval', '1 day']), '"0001-12-31T00:00:00 BC" :: timestamp without time zone'],
  [bin(['timestamp', '0044-03-15 12:00 BC'], '+', ['interval', '100 years']), '"0057-03-15T12:00:00" :: timestamp without time zone'],
  [bin(['timestamp', '4714-11-24 00:00:00 BC'], '-', ['interval', '00:00:00.000001']), 'ERROR 22008: timestamp out of range'],
  [bin(['timestamp', '294276-12-31 23:59:59.999999'], '+', ['interval', '00:00:00.000001']), 'ERROR 22008: timestamp out of range'],
  [bin(['timestamp', '294276-12-31'], '+', ['interval', '2562047788 hours']), 'ERROR 22008: timestamp out of range'],
  [bin(['timestamp', '2024-01-01'], '+', ['interval', '2147483647 mons']), 'ERROR 22008: timestamp out of range'],
  [bin(['timestamp', 'infinity'], '+', ['interval', '1 day']), '"infinity" :: timestamp without time zone'],
  [bin(['timestamp', '-infinity'], '-', ['interval', '1 day']), '"-infinity" :: timestamp without time zone'],
  [bin(['timestamptz', '2024-01-31 10:00+05'], '+', ['interval', '1 mon 1 day 1 hour']), '"2024-03-01T06:00:00+00:00" :: timestamp with time zone'],
  [bin(['timestamptz', '2024-03-31 00:00'], '-', ['interval', '1 mon']), '"2024-02-29T00:00:00+00:00" :: timestamp with time zone'],
  [bin(['interval', '1 day'], '+', ['timestamp', '2024-01-01']), '"2024-01-02T00:00:00" :: timestamp without time zone'],
  [bin(['interval', '1 day'], '+', ['timestamptz', '2024-01-01']), '"2024-01-02T00:00:00+00:00" :: timestamp with time zone'],
  [bin(['date', '2024-01-31'], '+', ['interval', '1 mon']), '"2024-02-29T00:00:00" :: timestamp without time zone'],
  [bin(['date', '2024-01-01'], '-', ['interval', '1 day 01:00']), '"2023-12-30T23:00:00" :: timestamp without time zone'],
  [bin(['interval', '1 day'], '+', ['date', '2024-01-01']), '"2024-01-02T00:00:00" :: timestamp without time zone'],
  [bin(['date', '5874897-12-31'], '+', ['interval', '1 day']), 'ERROR 22008: date out of range for timestamp'],
  [bin(['date', 'infinity'], '+', ['interval', '1 day']), '"infinity" :: timestamp without time zone'],
  [bin(['timestamp', '2024-03-01'], '-', ['timestamp', '2024-01-01 12:00']), '"59 days 12:00:00" :: interval'],
  [bin(['timestamp', '2024-01-01 12:00'], '-', ['timestamp', '2024-03-01']), '"-59 days -12:00:00" :: interval'],
  [bin(['timestamp', '2024-01-01'], '-', ['timestamp', '2024-01-01']), '"00:00:00" :: interval'],
  [bin(['timestamp', '2024-01-01 00:00:00.5'], '-', ['timestamp', '2023-12-31 23:59:59.75']), '"00:00:00.75" :: interval'],
  [bin(['timestamptz', '2024-03-01'], '-', ['timestamptz', '2024-01-01 12:00']), '"59 days 12:00:00" :: interval'],
  [bin(['timestamp', '2024-01-01'], '-', ['timestamptz', '2023-12-31 12:00']), '"12:00:00" :: interval'],
  [bin(['date', '2024-01-01'], '-', ['timestamp', '2023-12-31 12:00']), '"12:00:00" :: interval'],
  [bin(['timestamptz', '2024-01-01'], '-', ['date', '2023-12-31']), '"1 day" :: interval'],
  [bin(['timestamp', '294276-12-31 23:59:59'], '-', ['timestamp', '4713-01-01 BC']), '"-104300492 days -08:01:50.551616" :: interval'],
  [bin(['timestamp', 'infinity'], '-', ['timestamp', '2024-01-01']), 'ERROR 22008: cannot subtract infinite timestamps'],
  [bin(['date', '2024-01-01'], '+', ['int', '1']), '"2024-01-02" :: date'],
  [bin(['int', '31'], '+', ['date', '2024-01-01']), '"2024-02-01" :: date'],
  [bin(['date', '2024-03-01'], '-', ['int', '1']), '"2024-02-29" :: date'],
  [bin(['date', '2024-03-01'], '-', ['date', '2023-03-01']), '366 :: integer'],
  [bin(['date', '2024-01-01'], '-', ['date', 'infinity']), 'ERROR 22008: cannot subtract infinite dates'],
  [bin(['timestamp', '2024-01-01'], '+', ['unknown', '1 day']), '"2024-01-02T00:00:00" :: timestamp without time zone'],
  [bin(['unknown', '1 day'], '+', ['timestamp', '2024-01-01']), '"2024-01-02T00:00:00" :: timestamp without time zone'],
  [bin(['timestamptz', '2024-01-01'], '+', ['unknown', '1 mon']), '"2024-02-01T00:00:00+00:00" :: timestamp with time zone'],
  [bin(['timestamp', '2024-01-02'], '-', ['unknown', '2024-01-01']), '"1 day" :: interval'],
  [bin(['timestamp', '2024-01-01'], '-', ['unknown', '1 day']), 'ERROR 22007: invalid input syntax for type timestamp: "1 day"'],
  [bin(['date', '2024-01-01'], '-', ['unknown', '2023-01-01']), '365 :: integer'],
  [bin(['date', '2024-01-01'], '-', ['unknown', '1']), 'ERROR 22007: invalid input syntax for type date: "1"'],
  [bin(['date', '2024-01-01'], '+', ['unknown', '1 day']), 'unsupported'],
  [bin(['unknown', '1'], '+', ['date', '2024-01-01']), 'unsupported'],
  [bin(['interval', '1 day'], '+', ['unknown', '1 hour']), '"1 day 01:00:00" :: interval'],
  [bin(['unknown', '1 day'], '-', ['interval', '1 hour']), '"1 day -01:00:00" :: interval'],
  [bin(['interval', '1 day'], '*', ['unknown', '2']), '"2 days" :: interval'],
  [bin(['unknown', '2'], '*', ['interval', '1 day']), '"2 days" :: interval'],
  [bin(['interval', '1 day'], '/', ['unknown', '2']), '"12:00:00" :: interval'],
  [bin(['unknown', '2'], '/', ['interval', '1 day']), 'unsupported'],
  [bin(['interval', '1 day'], '<', ['unknown', '25 hours']), 'true :: boolean'],
  [bin(['timestamp', '2024-01-01'], '+', ['date', '2024-01-01']), 'unsupported'],
];

/** date_trunc for each field (timestamp, timestamptz, date → timestamptz, interval), BC years, infinity, errors. */
const dateTrunc: readonly Row[] = [
  [fn('date_trunc', ['text', 'microseconds'], ['timestamp', '2024-12-31 14:07:09.123456']), '"2024-12-31T14:07:09.123456" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'milliseconds'], ['timestamp', '2024-12-31 14:07:09.123456']), '"2024-12-31T14:07:09.123" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'second'], ['timestamp', '2024-12-31 14:07:09.123456']), '"2024-12-31T14:07:09" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'minute'], ['timestamp', '2024-12-31 14:07:09.123456']), '"2024-12-31T14:07:00" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'hour'], ['timestamp', '2024-12-31 14:07:09.123456']), '"2024-12-31T14:00:00" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'day'], ['timestamp', '2024-12-31 14:07:09.123456']), '"2024-12-31T00:00:00" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'week'], ['timestamp', '2024-12-31 14:07:09.123456']), '"2024-12-30T00:00:00" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'month'], ['timestamp', '2024-12-31 14:07:09.123456']), '"2024-12-01T00:00:00" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'quarter'], ['timestamp', '2024-12-31 14:07:09.123456']), '"2024-10-01T00:00:00" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'year'], ['timestamp', '2024-12-31 14:07:09.123456']), '"2024-01-01T00:00:00" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'decade'], ['timestamp', '2024-12-31 14:07:09.123456']), '"2020-01-01T00:00:00" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'century'], ['timestamp', '2024-12-31 14:07:09.123456']), '"2001-01-01T00:00:00" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'millennium'], ['timestamp', '2024-12-31 14:07:09.123456']), '"2001-01-01T00:00:00" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'microseconds'], ['timestamptz', '2021-01-03 23:59:59.999999']), '"2021-01-03T23:59:59.999999+00:00" :: timestamp with time zone'],
  [fn('date_trunc', ['text', 'milliseconds'], ['timestamptz', '2021-01-03 23:59:59.999999']), '"2021-01-03T23:59:59.999+00:00" :: timestamp with time zone'],
  [fn('date_trunc', ['text', 'second'], ['timestamptz', '2021-01-03 23:59:59.999999']), '"2021-01-03T23:59:59+00:00" :: timestamp with time zone'],
  [fn('date_trunc', ['text', 'minute'], ['timestamptz', '2021-01-03 23:59:59.999999']), '"2021-01-03T23:59:00+00:00" :: timestamp with time zone'],
  [fn('date_trunc', ['text', 'hour'], ['timestamptz', '2021-01-03 23:59:59.999999']), '"2021-01-03T23:00:00+00:00" :: timestamp with time zone'],
  [fn('date_trunc', ['text', 'day'], ['timestamptz', '2021-01-03 23:59:59.999999']), '"2021-01-03T00:00:00+00:00" :: timestamp with time zone'],
  [fn('date_trunc', ['text', 'week'], ['timestamptz', '2021-01-03 23:59:59.999999']), '"2020-12-28T00:00:00+00:00" :: timestamp with time zone'],
  [fn('date_trunc', ['text', 'month'], ['timestamptz', '2021-01-03 23:59:59.999999']), '"2021-01-01T00:00:00+00:00" :: timestamp with time zone'],
  [fn('date_trunc', ['text', 'quarter'], ['timestamptz', '2021-01-03 23:59:59.999999']), '"2021-01-01T00:00:00+00:00" :: timestamp with time zone'],
  [fn('date_trunc', ['text', 'year'], ['timestamptz', '2021-01-03 23:59:59.999999']), '"2021-01-01T00:00:00+00:00" :: timestamp with time zone'],
  [fn('date_trunc', ['text', 'decade'], ['timestamptz', '2021-01-03 23:59:59.999999']), '"2020-01-01T00:00:00+00:00" :: timestamp with time zone'],
  [fn('date_trunc', ['text', 'century'], ['timestamptz', '2021-01-03 23:59:59.999999']), '"2001-01-01T00:00:00+00:00" :: timestamp with time zone'],
  [fn('date_trunc', ['text', 'millennium'], ['timestamptz', '2021-01-03 23:59:59.999999']), '"2001-01-01T00:00:00+00:00" :: timestamp with time zone'],
  [fn('date_trunc', ['text', 'microseconds'], ['timestamp', '0044-03-15 12:34:56.789 BC']), '"0044-03-15T12:34:56.789 BC" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'milliseconds'], ['timestamp', '0044-03-15 12:34:56.789 BC']), '"0044-03-15T12:34:56.789 BC" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'second'], ['timestamp', '0044-03-15 12:34:56.789 BC']), '"0044-03-15T12:34:56 BC" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'minute'], ['timestamp', '0044-03-15 12:34:56.789 BC']), '"0044-03-15T12:34:00 BC" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'hour'], ['timestamp', '0044-03-15 12:34:56.789 BC']), '"0044-03-15T12:00:00 BC" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'day'], ['timestamp', '0044-03-15 12:34:56.789 BC']), '"0044-03-15T00:00:00 BC" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'week'], ['timestamp', '0044-03-15 12:34:56.789 BC']), '"0044-03-11T00:00:00 BC" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'month'], ['timestamp', '0044-03-15 12:34:56.789 BC']), '"0044-03-01T00:00:00 BC" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'quarter'], ['timestamp', '0044-03-15 12:34:56.789 BC']), '"0044-01-01T00:00:00 BC" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'year'], ['timestamp', '0044-03-15 12:34:56.789 BC']), '"0044-01-01T00:00:00 BC" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'decade'], ['timestamp', '0044-03-15 12:34:56.789 BC']), '"0051-01-01T00:00:00 BC" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'century'], ['timestamp', '0044-03-15 12:34:56.789 BC']), '"0100-01-01T00:00:00 BC" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'millennium'], ['timestamp', '0044-03-15 12:34:56.789 BC']), '"1000-01-01T00:00:00 BC" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'day'], ['date', '2024-03-05']), '"2024-03-05T00:00:00+00:00" :: timestamp with time zone'],
  [fn('date_trunc', ['text', 'week'], ['date', '2024-03-05']), '"2024-03-04T00:00:00+00:00" :: timestamp with time zone'],
  [fn('date_trunc', ['text', 'month'], ['date', '2024-03-05']), '"2024-03-01T00:00:00+00:00" :: timestamp with time zone'],
  [fn('date_trunc', ['text', 'year'], ['date', '2024-03-05']), '"2024-01-01T00:00:00+00:00" :: timestamp with time zone'],
  [fn('date_trunc', ['text', 'decade'], ['timestamp', '2000-06-01']), '"2000-01-01T00:00:00" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'decade'], ['timestamp', '2001-01-01']), '"2000-01-01T00:00:00" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'decade'], ['timestamp', '1999-12-31']), '"1990-01-01T00:00:00" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'decade'], ['timestamp', '0001-06-01']), '"0001-01-01T00:00:00 BC" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'decade'], ['timestamp', '0001-06-01 BC']), '"0001-01-01T00:00:00 BC" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'decade'], ['timestamp', '0010-06-01 BC']), '"0011-01-01T00:00:00 BC" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'decade'], ['timestamp', '0011-06-01 BC']), '"0011-01-01T00:00:00 BC" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'decade'], ['timestamp', '0100-06-01 BC']), '"0101-01-01T00:00:00 BC" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'decade'], ['timestamp', '0101-06-01 BC']), '"0101-01-01T00:00:00 BC" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'decade'], ['timestamp', '1000-06-01 BC']), '"1001-01-01T00:00:00 BC" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'century'], ['timestamp', '2000-06-01']), '"1901-01-01T00:00:00" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'century'], ['timestamp', '2001-01-01']), '"2001-01-01T00:00:00" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'century'], ['timestamp', '1999-12-31']), '"1901-01-01T00:00:00" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'century'], ['timestamp', '0001-06-01']), '"0001-01-01T00:00:00" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'century'], ['timestamp', '0001-06-01 BC']), '"0100-01-01T00:00:00 BC" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'century'], ['timestamp', '0010-06-01 BC']), '"0100-01-01T00:00:00 BC" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'century'], ['timestamp', '0011-06-01 BC']), '"0100-01-01T00:00:00 BC" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'century'], ['timestamp', '0100-06-01 BC']), '"0100-01-01T00:00:00 BC" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'century'], ['timestamp', '0101-06-01 BC']), '"0200-01-01T00:00:00 BC" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'century'], ['timestamp', '1000-06-01 BC']), '"1000-01-01T00:00:00 BC" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'millennium'], ['timestamp', '2000-06-01']), '"1001-01-01T00:00:00" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'millennium'], ['timestamp', '2001-01-01']), '"2001-01-01T00:00:00" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'millennium'], ['timestamp', '1999-12-31']), '"1001-01-01T00:00:00" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'millennium'], ['timestamp', '0001-06-01']), '"0001-01-01T00:00:00" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'millennium'], ['timestamp', '0001-06-01 BC']), '"1000-01-01T00:00:00 BC" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'millennium'], ['timestamp', '0010-06-01 BC']), '"1000-01-01T00:00:00 BC" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'millennium'], ['timestamp', '0011-06-01 BC']), '"1000-01-01T00:00:00 BC" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'millennium'], ['timestamp', '0100-06-01 BC']), '"1000-01-01T00:00:00 BC" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'millennium'], ['timestamp', '0101-06-01 BC']), '"1000-01-01T00:00:00 BC" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'millennium'], ['timestamp', '1000-06-01 BC']), '"1000-01-01T00:00:00 BC" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'week'], ['timestamp', '2020-12-31 12:00']), '"2020-12-28T00:00:00" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'week'], ['timestamp', '2021-01-01 12:00']), '"2020-12-28T00:00:00" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'week'], ['timestamp', '2021-01-03 12:00']), '"2020-12-28T00:00:00" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'week'], ['timestamp', '2021-01-04 12:00']), '"2021-01-04T00:00:00" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'week'], ['timestamp', '2024-12-29 12:00']), '"2024-12-23T00:00:00" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'week'], ['timestamp', '2024-12-30 12:00']), '"2024-12-30T00:00:00" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'week'], ['timestamp', '2026-01-01 12:00']), '"2025-12-29T00:00:00" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'week'], ['timestamp', '0001-01-01 12:00']), '"0001-01-01T00:00:00" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'microseconds'], ['interval', '1234 years 11 mons 45 days 100:59:59.987654']), '"1234 years 11 mons 45 days 100:59:59.987654" :: interval'],
  [fn('date_trunc', ['text', 'milliseconds'], ['interval', '1234 years 11 mons 45 days 100:59:59.987654']), '"1234 years 11 mons 45 days 100:59:59.987" :: interval'],
  [fn('date_trunc', ['text', 'second'], ['interval', '1234 years 11 mons 45 days 100:59:59.987654']), '"1234 years 11 mons 45 days 100:59:59" :: interval'],
  [fn('date_trunc', ['text', 'minute'], ['interval', '1234 years 11 mons 45 days 100:59:59.987654']), '"1234 years 11 mons 45 days 100:59:00" :: interval'],
  [fn('date_trunc', ['text', 'hour'], ['interval', '1234 years 11 mons 45 days 100:59:59.987654']), '"1234 years 11 mons 45 days 100:00:00" :: interval'],
  [fn('date_trunc', ['text', 'day'], ['interval', '1234 years 11 mons 45 days 100:59:59.987654']), '"1234 years 11 mons 45 days" :: interval'],
  [fn('date_trunc', ['text', 'month'], ['interval', '1234 years 11 mons 45 days 100:59:59.987654']), '"1234 years 11 mons" :: interval'],
  [fn('date_trunc', ['text', 'quarter'], ['interval', '1234 years 11 mons 45 days 100:59:59.987654']), '"1234 years 9 mons" :: interval'],
  [fn('date_trunc', ['text', 'year'], ['interval', '1234 years 11 mons 45 days 100:59:59.987654']), '"1234 years" :: interval'],
  [fn('date_trunc', ['text', 'decade'], ['interval', '1234 years 11 mons 45 days 100:59:59.987654']), '"1230 years" :: interval'],
  [fn('date_trunc', ['text', 'century'], ['interval', '1234 years 11 mons 45 days 100:59:59.987654']), '"1200 years" :: interval'],
  [fn('date_trunc', ['text', 'millennium'], ['interval', '1234 years 11 mons 45 days 100:59:59.987654']), '"1000 years" :: interval'],
  [fn('date_trunc', ['text', 'year'], ['interval', '-1234 years -11 mons -45 days -100:59:59.987654']), '"-1234 years" :: interval'],
  [fn('date_trunc', ['text', 'quarter'], ['interval', '-1234 years -11 mons -45 days -100:59:59.987654']), '"-1234 years -9 mons" :: interval'],
  [fn('date_trunc', ['text', 'month'], ['interval', '-1234 years -11 mons -45 days -100:59:59.987654']), '"-1234 years -11 mons" :: interval'],
  [fn('date_trunc', ['text', 'day'], ['interval', '-1234 years -11 mons -45 days -100:59:59.987654']), '"-1234 years -11 mons -45 days" :: interval'],
  [fn('date_trunc', ['text', 'hour'], ['interval', '-1234 years -11 mons -45 days -100:59:59.987654']), '"-1234 years -11 mons -45 days -100:00:00" :: interval'],
  [fn('date_trunc', ['text', 'milliseconds'], ['interval', '-1234 years -11 mons -45 days -100:59:59.987654']), '"-1234 years -11 mons -45 days -100:59:59.987" :: interval'],
  [fn('date_trunc', ['text', 'DAY'], ['timestamp', '2024-03-05 14:07']), '"2024-03-05T00:00:00" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'hours'], ['timestamp', '2024-03-05 14:07']), '"2024-03-05T14:00:00" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'mon'], ['timestamp', '2024-03-05 14:07']), '"2024-03-01T00:00:00" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'y'], ['timestamp', '2024-03-05 14:07']), '"2024-01-01T00:00:00" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'microsecondsxyz'], ['timestamp', '2024-03-05 14:07']), '"2024-03-05T14:07:00" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'day'], ['timestamp', 'infinity']), '"infinity" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'foo'], ['timestamp', 'infinity']), '"infinity" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'week'], ['timestamptz', '-infinity']), '"-infinity" :: timestamp with time zone'],
  [fn('date_trunc', ['text', 'week'], ['timestamp', '4714-11-24 BC']), '"4714-11-24T00:00:00 BC" :: timestamp without time zone'],
  [fn('date_trunc', ['text', 'foo'], ['timestamp', '2024-01-01']), 'ERROR 22023: unit "foo" not recognized for type timestamp without time zone'],
  [fn('date_trunc', ['text', 'foo'], ['timestamptz', '2024-01-01']), 'ERROR 22023: unit "foo" not recognized for type timestamp with time zone'],
  [fn('date_trunc', ['text', 'foo'], ['interval', '1 day']), 'ERROR 22023: unit "foo" not recognized for type interval'],
  [fn('date_trunc', ['text', 'dow'], ['timestamp', '2024-01-01']), 'ERROR 22023: unit "dow" not recognized for type timestamp without time zone'],
  [fn('date_trunc', ['text', 'epoch'], ['timestamp', '2024-01-01']), 'ERROR 22023: unit "epoch" not recognized for type timestamp without time zone'],
  [fn('date_trunc', ['text', 'ago'], ['timestamp', '2024-01-01']), 'ERROR 22023: unit "ago" not recognized for type timestamp without time zone'],
  [fn('date_trunc', ['text', 'timezone'], ['timestamp', '2024-01-01']), 'ERROR 0A000: unit "timezone" not supported for type timestamp without time zone'],
  [fn('date_trunc', ['text', 'week'], ['interval', '1 day']), 'ERROR 0A000: unit "week" not supported for type interval'],
];

/** date_part (double precision) for each field: timestamp, timestamptz, date (through timestamp), interval. */
const datePart: readonly Row[] = [
  [fn('date_part', ['text', 'microseconds'], ['timestamp', '2024-12-30 13:14:15.5']), '15500000 :: double precision'],
  [fn('date_part', ['text', 'milliseconds'], ['timestamp', '2024-12-30 13:14:15.5']), '15500 :: double precision'],
  [fn('date_part', ['text', 'second'], ['timestamp', '2024-12-30 13:14:15.5']), '15.5 :: double precision'],
  [fn('date_part', ['text', 'minute'], ['timestamp', '2024-12-30 13:14:15.5']), '14 :: double precision'],
  [fn('date_part', ['text', 'hour'], ['timestamp', '2024-12-30 13:14:15.5']), '13 :: double precision'],
  [fn('date_part', ['text', 'day'], ['timestamp', '2024-12-30 13:14:15.5']), '30 :: double precision'],
  [fn('date_part', ['text', 'month'], ['timestamp', '2024-12-30 13:14:15.5']), '12 :: double precision'],
  [fn('date_part', ['text', 'quarter'], ['timestamp', '2024-12-30 13:14:15.5']), '4 :: double precision'],
  [fn('date_part', ['text', 'week'], ['timestamp', '2024-12-30 13:14:15.5']), '1 :: double precision'],
  [fn('date_part', ['text', 'year'], ['timestamp', '2024-12-30 13:14:15.5']), '2024 :: double precision'],
  [fn('date_part', ['text', 'decade'], ['timestamp', '2024-12-30 13:14:15.5']), '202 :: double precision'],
  [fn('date_part', ['text', 'century'], ['timestamp', '2024-12-30 13:14:15.5']), '21 :: double precision'],
  [fn('date_part', ['text', 'millennium'], ['timestamp', '2024-12-30 13:14:15.5']), '3 :: double precision'],
  [fn('date_part', ['text', 'isoyear'], ['timestamp', '2024-12-30 13:14:15.5']), '2025 :: double precision'],
  [fn('date_part', ['text', 'dow'], ['timestamp', '2024-12-30 13:14:15.5']), '1 :: double precision'],
  [fn('date_part', ['text', 'isodow'], ['timestamp', '2024-12-30 13:14:15.5']), '1 :: double precision'],
  [fn('date_part', ['text', 'doy'], ['timestamp', '2024-12-30 13:14:15.5']), '365 :: double precision'],
  [fn('date_part', ['text', 'epoch'], ['timestamp', '2024-12-30 13:14:15.5']), '1735564455.5 :: double precision'],
  [fn('date_part', ['text', 'julian'], ['timestamp', '2024-12-30 13:14:15.5']), '2460675.551568287 :: double precision'],
  [fn('date_part', ['text', 'timezone'], ['timestamp', '2024-12-30 13:14:15.5']), 'ERROR 0A000: unit "timezone" not supported for type timestamp without time zone'],
  [fn('date_part', ['text', 'microseconds'], ['timestamptz', '2021-01-03 23:59:59.999999+02']), '59999999 :: double precision'],
  [fn('date_part', ['text', 'milliseconds'], ['timestamptz', '2021-01-03 23:59:59.999999+02']), '59999.999 :: double precision'],
  [fn('date_part', ['text', 'second'], ['timestamptz', '2021-01-03 23:59:59.999999+02']), '59.999999 :: double precision'],
  [fn('date_part', ['text', 'minute'], ['timestamptz', '2021-01-03 23:59:59.999999+02']), '59 :: double precision'],
  [fn('date_part', ['text', 'hour'], ['timestamptz', '2021-01-03 23:59:59.999999+02']), '21 :: double precision'],
  [fn('date_part', ['text', 'day'], ['timestamptz', '2021-01-03 23:59:59.999999+02']), '3 :: double precision'],
  [fn('date_part', ['text', 'month'], ['timestamptz', '2021-01-03 23:59:59.999999+02']), '1 :: double precision'],
  [fn('date_part', ['text', 'quarter'], ['timestamptz', '2021-01-03 23:59:59.999999+02']), '1 :: double precision'],
  [fn('date_part', ['text', 'week'], ['timestamptz', '2021-01-03 23:59:59.999999+02']), '53 :: double precision'],
  [fn('date_part', ['text', 'year'], ['timestamptz', '2021-01-03 23:59:59.999999+02']), '2021 :: double precision'],
  [fn('date_part', ['text', 'decade'], ['timestamptz', '2021-01-03 23:59:59.999999+02']), '202 :: double precision'],
  [fn('date_part', ['text', 'century'], ['timestamptz', '2021-01-03 23:59:59.999999+02']), '21 :: double precision'],
  [fn('date_part', ['text', 'millennium'], ['timestamptz', '2021-01-03 23:59:59.999999+02']), '3 :: double precision'],
  [fn('date_part', ['text', 'isoyear'], ['timestamptz', '2021-01-03 23:59:59.999999+02']), '2020 :: double precision'],
  [fn('date_part', ['text', 'dow'], ['timestamptz', '2021-01-03 23:59:59.999999+02']), '0 :: double precision'],
  [fn('date_part', ['text', 'isodow'], ['timestamptz', '2021-01-03 23:59:59.999999+02']), '7 :: double precision'],
  [fn('date_part', ['text', 'doy'], ['timestamptz', '2021-01-03 23:59:59.999999+02']), '3 :: double precision'],
  [fn('date_part', ['text', 'epoch'], ['timestamptz', '2021-01-03 23:59:59.999999+02']), '1609711199.999999 :: double precision'],
  [fn('date_part', ['text', 'julian'], ['timestamptz', '2021-01-03 23:59:59.999999+02']), '2459218.9166666665 :: double precision'],
  [fn('date_part', ['text', 'timezone'], ['timestamptz', '2021-01-03 23:59:59.999999+02']), '0 :: double precision'],
  [fn('date_part', ['text', 'timezone_hour'], ['timestamptz', '2021-01-03 23:59:59.999999+02']), '0 :: double precision'],
  [fn('date_part', ['text', 'timezone_minute'], ['timestamptz', '2021-01-03 23:59:59.999999+02']), '0 :: double precision'],
  [fn('date_part', ['text', 'microseconds'], ['date', '0044-03-15 BC']), '0 :: double precision'],
  [fn('date_part', ['text', 'milliseconds'], ['date', '0044-03-15 BC']), '0 :: double precision'],
  [fn('date_part', ['text', 'second'], ['date', '0044-03-15 BC']), '0 :: double precision'],
  [fn('date_part', ['text', 'minute'], ['date', '0044-03-15 BC']), '0 :: double precision'],
  [fn('date_part', ['text', 'hour'], ['date', '0044-03-15 BC']), '0 :: double precision'],
  [fn('date_part', ['text', 'day'], ['date', '0044-03-15 BC']), '15 :: double precision'],
  [fn('date_part', ['text', 'month'], ['date', '0044-03-15 BC']), '3 :: double precision'],
  [fn('date_part', ['text', 'quarter'], ['date', '0044-03-15 BC']), '1 :: double precision'],
  [fn('date_part', ['text', 'week'], ['date', '0044-03-15 BC']), '11 :: double precision'],
  [fn('date_part', ['text', 'year'], ['date', '0044-03-15 BC']), '-44 :: double precision'],
  [fn('date_part', ['text', 'decade'], ['date', '0044-03-15 BC']), '-5 :: double precision'],
  [fn('date_part', ['text', 'century'], ['date', '0044-03-15 BC']), '-1 :: double precision'],
  [fn('date_part', ['text', 'millennium'], ['date', '0044-03-15 BC']), '-1 :: double precision'],
  [fn('date_part', ['text', 'isoyear'], ['date', '0044-03-15 BC']), '-44 :: double precision'],
  [fn('date_part', ['text', 'dow'], ['date', '0044-03-15 BC']), '5 :: double precision'],
  [fn('date_part', ['text', 'isodow'], ['date', '0044-03-15 BC']), '5 :: double precision'],
  [fn('date_part', ['text', 'doy'], ['date', '0044-03-15 BC']), '74 :: double precision'],
  [fn('date_part', ['text', 'epoch'], ['date', '0044-03-15 BC']), '-63517824000 :: double precision'],
  [fn('date_part', ['text', 'julian'], ['date', '0044-03-15 BC']), '1705428 :: double precision'],
  [fn('date_part', ['text', 'microseconds'], ['interval', '-1 year -2 mons 3 days -04:05:06.5']), '-6500000 :: double precision'],
  [fn('date_part', ['text', 'milliseconds'], ['interval', '-1 year -2 mons 3 days -04:05:06.5']), '-6500 :: double precision'],
  [fn('date_part', ['text', 'second'], ['interval', '-1 year -2 mons 3 days -04:05:06.5']), '-6.5 :: double precision'],
  [fn('date_part', ['text', 'minute'], ['interval', '-1 year -2 mons 3 days -04:05:06.5']), '-5 :: double precision'],
  [fn('date_part', ['text', 'hour'], ['interval', '-1 year -2 mons 3 days -04:05:06.5']), '-4 :: double precision'],
  [fn('date_part', ['text', 'day'], ['interval', '-1 year -2 mons 3 days -04:05:06.5']), '3 :: double precision'],
  [fn('date_part', ['text', 'month'], ['interval', '-1 year -2 mons 3 days -04:05:06.5']), '-2 :: double precision'],
  [fn('date_part', ['text', 'quarter'], ['interval', '-1 year -2 mons 3 days -04:05:06.5']), '1 :: double precision'],
  [fn('date_part', ['text', 'week'], ['interval', '-1 year -2 mons 3 days -04:05:06.5']), 'ERROR 0A000: unit "week" not supported for type interval'],
  [fn('date_part', ['text', 'year'], ['interval', '-1 year -2 mons 3 days -04:05:06.5']), '-1 :: double precision'],
  [fn('date_part', ['text', 'decade'], ['interval', '-1 year -2 mons 3 days -04:05:06.5']), '0 :: double precision'],
  [fn('date_part', ['text', 'century'], ['interval', '-1 year -2 mons 3 days -04:05:06.5']), '0 :: double precision'],
  [fn('date_part', ['text', 'millennium'], ['interval', '-1 year -2 mons 3 days -04:05:06.5']), '0 :: double precision'],
  [fn('date_part', ['text', 'isoyear'], ['interval', '-1 year -2 mons 3 days -04:05:06.5']), 'ERROR 0A000: unit "isoyear" not supported for type interval'],
  [fn('date_part', ['text', 'dow'], ['interval', '-1 year -2 mons 3 days -04:05:06.5']), 'ERROR 0A000: unit "dow" not supported for type interval'],
  [fn('date_part', ['text', 'isodow'], ['interval', '-1 year -2 mons 3 days -04:05:06.5']), 'ERROR 0A000: unit "isodow" not supported for type interval'],
  [fn('date_part', ['text', 'doy'], ['interval', '-1 year -2 mons 3 days -04:05:06.5']), 'ERROR 0A000: unit "doy" not supported for type interval'],
  [fn('date_part', ['text', 'epoch'], ['interval', '-1 year -2 mons 3 days -04:05:06.5']), '-36497106.5 :: double precision'],
  [fn('date_part', ['text', 'week'], ['interval', '-1 year -2 mons 3 days -04:05:06.5']), 'ERROR 0A000: unit "week" not supported for type interval'],
  [fn('date_part', ['text', 'dow'], ['interval', '-1 year -2 mons 3 days -04:05:06.5']), 'ERROR 0A000: unit "dow" not supported for type interval'],
  [fn('date_part', ['text', 'year'], ['interval', '1234 years 11 mons']), '1234 :: double precision'],
  [fn('date_part', ['text', 'decade'], ['interval', '1234 years 11 mons']), '123 :: double precision'],
  [fn('date_part', ['text', 'century'], ['interval', '1234 years 11 mons']), '12 :: double precision'],
  [fn('date_part', ['text', 'millennium'], ['interval', '1234 years 11 mons']), '1 :: double precision'],
  [fn('date_part', ['text', 'quarter'], ['interval', '1234 years 11 mons']), '4 :: double precision'],
  [fn('date_part', ['text', 'epoch'], ['interval', '1234 years 11 mons']), '38970590400 :: double precision'],
  [fn('date_part', ['text', 'hour'], ['timestamp', '-infinity']), 'null :: double precision'],
  [fn('date_part', ['text', 'year'], ['timestamp', '-infinity']), '"-Infinity" :: double precision'],
  [fn('date_part', ['text', 'epoch'], ['timestamp', '-infinity']), '"-Infinity" :: double precision'],
  [fn('date_part', ['text', 'julian'], ['timestamp', '-infinity']), '"-Infinity" :: double precision'],
  [fn('date_part', ['text', 'timezone'], ['timestamp', '-infinity']), 'null :: double precision'],
  [fn('date_part', ['text', 'dow'], ['timestamp', '-infinity']), 'null :: double precision'],
  [fn('date_part', ['text', 'foo'], ['timestamp', '-infinity']), 'ERROR 22023: unit "foo" not recognized for type timestamp without time zone'],
  [fn('date_part', ['text', 'now'], ['timestamp', '-infinity']), 'ERROR 0A000: unit "now" not supported for type timestamp without time zone'],
  [fn('date_part', ['text', 'epoch'], ['date', 'infinity']), '"Infinity" :: double precision'],
  [fn('date_part', ['text', 'isoyear'], ['date', 'infinity']), '"Infinity" :: double precision'],
  [fn('date_part', ['text', 'week'], ['date', 'infinity']), 'null :: double precision'],
  [fn('date_part', ['text', 'epoch'], ['timestamp', '294276-12-31 23:59:59.999999']), '9224318016000 :: double precision'],
  [fn('date_part', ['text', 'epoch'], ['timestamp', '4714-11-24 BC']), '-210866803200 :: double precision'],
  [fn('date_part', ['text', 'foo'], ['timestamp', '2024-01-01']), 'ERROR 22023: unit "foo" not recognized for type timestamp without time zone'],
  [fn('date_part', ['text', 'now'], ['timestamp', '2024-01-01']), 'ERROR 0A000: unit "now" not supported for type timestamp without time zone'],
  [fn('date_part', ['text', 'timezone'], ['timestamp', '2024-01-01']), 'ERROR 0A000: unit "timezone" not supported for type timestamp without time zone'],
  [fn('date_part', ['text', 'foo'], ['date', '2024-01-01']), 'ERROR 22023: unit "foo" not recognized for type timestamp without time zone'],
  [fn('date_part', ['text', 'foo'], ['interval', '1 day']), 'ERROR 22023: unit "foo" not recognized for type interval'],
  [fn('date_part', ['text', 'now'], ['interval', '1 day']), 'ERROR 22023: unit "now" not recognized for type interval'],
  [fn('date_part', ['text', 'dow'], ['interval', '1 day']), 'ERROR 0A000: unit "dow" not supported for type interval'],
  [fn('date_part', ['text', 'Year'], ['timestamp', '2024-06-01']), '2024 :: double precision'],
  [fn('date_part', ['text', 'mm'], ['timestamp', '2024-06-01 10:42']), '42 :: double precision'],
  [fn('date_part', ['text', 'm'], ['timestamp', '2024-06-01 10:42']), '42 :: double precision'],
  [fn('date_part', ['text', 'mon'], ['timestamp', '2024-06-01 10:42']), '6 :: double precision'],
  [fn('date_part', ['text', 'jd'], ['timestamp', '2024-06-01 10:42']), '2460463.4458333333 :: double precision'],
];

/** extract(field, x) → numeric (PostgreSQL 15 EXTRACT): scales, BC years, ISO weeks at year boundaries, infinity, errors. */
const extract: readonly Row[] = [
  [fn('extract', ['text', 'microseconds'], ['timestamp', '2024-12-30 13:14:15.5']), '15500000 :: numeric'],
  [fn('extract', ['text', 'milliseconds'], ['timestamp', '2024-12-30 13:14:15.5']), '15500.000 :: numeric'],
  [fn('extract', ['text', 'second'], ['timestamp', '2024-12-30 13:14:15.5']), '15.500000 :: numeric'],
  [fn('extract', ['text', 'minute'], ['timestamp', '2024-12-30 13:14:15.5']), '14 :: numeric'],
  [fn('extract', ['text', 'hour'], ['timestamp', '2024-12-30 13:14:15.5']), '13 :: numeric'],
  [fn('extract', ['text', 'day'], ['timestamp', '2024-12-30 13:14:15.5']), '30 :: numeric'],
  [fn('extract', ['text', 'month'], ['timestamp', '2024-12-30 13:14:15.5']), '12 :: numeric'],
  [fn('extract', ['text', 'quarter'], ['timestamp', '2024-12-30 13:14:15.5']), '4 :: numeric'],
  [fn('extract', ['text', 'week'], ['timestamp', '2024-12-30 13:14:15.5']), '1 :: numeric'],
  [fn('extract', ['text', 'year'], ['timestamp', '2024-12-30 13:14:15.5']), '2024 :: numeric'],
  [fn('extract', ['text', 'decade'], ['timestamp', '2024-12-30 13:14:15.5']), '202 :: numeric'],
  [fn('extract', ['text', 'century'], ['timestamp', '2024-12-30 13:14:15.5']), '21 :: numeric'],
  [fn('extract', ['text', 'millennium'], ['timestamp', '2024-12-30 13:14:15.5']), '3 :: numeric'],
  [fn('extract', ['text', 'isoyear'], ['timestamp', '2024-12-30 13:14:15.5']), '2025 :: numeric'],
  [fn('extract', ['text', 'dow'], ['timestamp', '2024-12-30 13:14:15.5']), '1 :: numeric'],
  [fn('extract', ['text', 'isodow'], ['timestamp', '2024-12-30 13:14:15.5']), '1 :: numeric'],
  [fn('extract', ['text', 'doy'], ['timestamp', '2024-12-30 13:14:15.5']), '365 :: numeric'],
  [fn('extract', ['text', 'epoch'], ['timestamp', '2024-12-30 13:14:15.5']), '1735564455.500000 :: numeric'],
  [fn('extract', ['text', 'julian'], ['timestamp', '2024-12-30 13:14:15.5']), '2460675.55156828703703703704 :: numeric'],
  [fn('extract', ['text', 'microseconds'], ['timestamptz', '2021-01-03 23:59:59.999999+02']), '59999999 :: numeric'],
  [fn('extract', ['text', 'milliseconds'], ['timestamptz', '2021-01-03 23:59:59.999999+02']), '59999.999 :: numeric'],
  [fn('extract', ['text', 'second'], ['timestamptz', '2021-01-03 23:59:59.999999+02']), '59.999999 :: numeric'],
  [fn('extract', ['text', 'minute'], ['timestamptz', '2021-01-03 23:59:59.999999+02']), '59 :: numeric'],
  [fn('extract', ['text', 'hour'], ['timestamptz', '2021-01-03 23:59:59.999999+02']), '21 :: numeric'],
  [fn('extract', ['text', 'day'], ['timestamptz', '2021-01-03 23:59:59.999999+02']), '3 :: numeric'],
  [fn('extract', ['text', 'month'], ['timestamptz', '2021-01-03 23:59:59.999999+02']), '1 :: numeric'],
  [fn('extract', ['text', 'quarter'], ['timestamptz', '2021-01-03 23:59:59.999999+02']), '1 :: numeric'],
  [fn('extract', ['text', 'week'], ['timestamptz', '2021-01-03 23:59:59.999999+02']), '53 :: numeric'],
  [fn('extract', ['text', 'year'], ['timestamptz', '2021-01-03 23:59:59.999999+02']), '2021 :: numeric'],
  [fn('extract', ['text', 'decade'], ['timestamptz', '2021-01-03 23:59:59.999999+02']), '202 :: numeric'],
  [fn('extract', ['text', 'century'], ['timestamptz', '2021-01-03 23:59:59.999999+02']), '21 :: numeric'],
  [fn('extract', ['text', 'millennium'], ['timestamptz', '2021-01-03 23:59:59.999999+02']), '3 :: numeric'],
  [fn('extract', ['text', 'isoyear'], ['timestamptz', '2021-01-03 23:59:59.999999+02']), '2020 :: numeric'],
  [fn('extract', ['text', 'dow'], ['timestamptz', '2021-01-03 23:59:59.999999+02']), '0 :: numeric'],
  [fn('extract', ['text', 'isodow'], ['timestamptz', '2021-01-03 23:59:59.999999+02']), '7 :: numeric'],
  [fn('extract', ['text', 'doy'], ['timestamptz', '2021-01-03 23:59:59.999999+02']), '3 :: numeric'],
  [fn('extract', ['text', 'epoch'], ['timestamptz', '2021-01-03 23:59:59.999999+02']), '1609711199.999999 :: numeric'],
  [fn('extract', ['text', 'julian'], ['timestamptz', '2021-01-03 23:59:59.999999+02']), '2459218.91666666665509259259 :: numeric'],
  [fn('extract', ['text', 'timezone'], ['timestamptz', '2021-01-03 23:59:59.999999+02']), '0 :: numeric'],
  [fn('extract', ['text', 'timezone_hour'], ['timestamptz', '2021-01-03 23:59:59.999999+02']), '0 :: numeric'],
  [fn('extract', ['text', 'timezone_minute'], ['timestamptz', '2021-01-03 23:59:59.999999+02']), '0 :: numeric'],
  [fn('extract', ['text', 'microseconds'], ['date', '0044-03-15 BC']), 'ERROR 0A000: unit "microseconds" not supported for type date'],
  [fn('extract', ['text', 'milliseconds'], ['date', '0044-03-15 BC']), 'ERROR 0A000: unit "milliseconds" not supported for type date'],
  [fn('extract', ['text', 'second'], ['date', '0044-03-15 BC']), 'ERROR 0A000: unit "second" not supported for type date'],
  [fn('extract', ['text', 'minute'], ['date', '0044-03-15 BC']), 'ERROR 0A000: unit "minute" not supported for type date'],
  [fn('extract', ['text', 'hour'], ['date', '0044-03-15 BC']), 'ERROR 0A000: unit "hour" not supported for type date'],
  [fn('extract', ['text', 'day'], ['date', '0044-03-15 BC']), '15 :: numeric'],
  [fn('extract', ['text', 'month'], ['date', '0044-03-15 BC']), '3 :: numeric'],
  [fn('extract', ['text', 'quarter'], ['date', '0044-03-15 BC']), '1 :: numeric'],
  [fn('extract', ['text', 'week'], ['date', '0044-03-15 BC']), '11 :: numeric'],
  [fn('extract', ['text', 'year'], ['date', '0044-03-15 BC']), '-44 :: numeric'],
  [fn('extract', ['text', 'decade'], ['date', '0044-03-15 BC']), '-5 :: numeric'],
  [fn('extract', ['text', 'century'], ['date', '0044-03-15 BC']), '-1 :: numeric'],
  [fn('extract', ['text', 'millennium'], ['date', '0044-03-15 BC']), '-1 :: numeric'],
  [fn('extract', ['text', 'isoyear'], ['date', '0044-03-15 BC']), '-44 :: numeric'],
  [fn('extract', ['text', 'dow'], ['date', '0044-03-15 BC']), '5 :: numeric'],
  [fn('extract', ['text', 'isodow'], ['date', '0044-03-15 BC']), '5 :: numeric'],
  [fn('extract', ['text', 'doy'], ['date', '0044-03-15 BC']), '74 :: numeric'],
  [fn('extract', ['text', 'epoch'], ['date', '0044-03-15 BC']), '-63517824000 :: numeric'],
  [fn('extract', ['text', 'julian'], ['date', '0044-03-15 BC']), '1705428 :: numeric'],
  [fn('extract', ['text', 'hour'], ['date', '0044-03-15 BC']), 'ERROR 0A000: unit "hour" not supported for type date'],
  [fn('extract', ['text', 'timezone'], ['date', '0044-03-15 BC']), 'ERROR 0A000: unit "timezone" not supported for type date'],
  [fn('extract', ['text', 'microseconds'], ['interval', '-1 year -2 mons 3 days -04:05:06.5']), '-6500000 :: numeric'],
  [fn('extract', ['text', 'milliseconds'], ['interval', '-1 year -2 mons 3 days -04:05:06.5']), '-6500.000 :: numeric'],
  [fn('extract', ['text', 'second'], ['interval', '-1 year -2 mons 3 days -04:05:06.5']), '-6.500000 :: numeric'],
  [fn('extract', ['text', 'minute'], ['interval', '-1 year -2 mons 3 days -04:05:06.5']), '-5 :: numeric'],
  [fn('extract', ['text', 'hour'], ['interval', '-1 year -2 mons 3 days -04:05:06.5']), '-4 :: numeric'],
  [fn('extract', ['text', 'day'], ['interval', '-1 year -2 mons 3 days -04:05:06.5']), '3 :: numeric'],
  [fn('extract', ['text', 'month'], ['interval', '-1 year -2 mons 3 days -04:05:06.5']), '-2 :: numeric'],
  [fn('extract', ['text', 'quarter'], ['interval', '-1 year -2 mons 3 days -04:05:06.5']), '1 :: numeric'],
  [fn('extract', ['text', 'week'], ['interval', '-1 year -2 mons 3 days -04:05:06.5']), 'ERROR 0A000: unit "week" not supported for type interval'],
  [fn('extract', ['text', 'year'], ['interval', '-1 year -2 mons 3 days -04:05:06.5']), '-1 :: numeric'],
  [fn('extract', ['text', 'decade'], ['interval', '-1 year -2 mons 3 days -04:05:06.5']), '0 :: numeric'],
  [fn('extract', ['text', 'century'], ['interval', '-1 year -2 mons 3 days -04:05:06.5']), '0 :: numeric'],
  [fn('extract', ['text', 'millennium'], ['interval', '-1 year -2 mons 3 days -04:05:06.5']), '0 :: numeric'],
  [fn('extract', ['text', 'isoyear'], ['interval', '-1 year -2 mons 3 days -04:05:06.5']), 'ERROR 0A000: unit "isoyear" not supported for type interval'],
  [fn('extract', ['text', 'dow'], ['interval', '-1 year -2 mons 3 days -04:05:06.5']), 'ERROR 0A000: unit "dow" not supported for type interval'],
  [fn('extract', ['text', 'isodow'], ['interval', '-1 year -2 mons 3 days -04:05:06.5']), 'ERROR 0A000: unit "isodow" not supported for type interval'],
  [fn('extract', ['text', 'doy'], ['interval', '-1 year -2 mons 3 days -04:05:06.5']), 'ERROR 0A000: unit "doy" not supported for type interval'],
  [fn('extract', ['text', 'epoch'], ['interval', '-1 year -2 mons 3 days -04:05:06.5']), '-36497106.500000 :: numeric'],
  [fn('extract', ['text', 'week'], ['interval', '-1 year -2 mons 3 days -04:05:06.5']), 'ERROR 0A000: unit "week" not supported for type interval'],
  [fn('extract', ['text', 'epoch'], ['interval', '178956970 years 7 mons 2147483647 days 2562047788:00:54.775807']), '5842218453753654.775807 :: numeric'],
  [fn('extract', ['text', 'second'], ['interval', '178956970 years 7 mons 2147483647 days 2562047788:00:54.775807']), '54.775807 :: numeric'],
  [fn('extract', ['text', 'milliseconds'], ['interval', '178956970 years 7 mons 2147483647 days 2562047788:00:54.775807']), '54775.807 :: numeric'],
  [fn('extract', ['text', 'week'], ['date', '2020-12-31']), '53 :: numeric'],
  [fn('extract', ['text', 'isoyear'], ['date', '2020-12-31']), '2020 :: numeric'],
  [fn('extract', ['text', 'isodow'], ['date', '2020-12-31']), '4 :: numeric'],
  [fn('extract', ['text', 'dow'], ['date', '2020-12-31']), '4 :: numeric'],
  [fn('extract', ['text', 'doy'], ['date', '2020-12-31']), '366 :: numeric'],
  [fn('extract', ['text', 'year'], ['date', '2020-12-31']), '2020 :: numeric'],
  [fn('extract', ['text', 'week'], ['date', '2021-01-01']), '53 :: numeric'],
  [fn('extract', ['text', 'isoyear'], ['date', '2021-01-01']), '2020 :: numeric'],
  [fn('extract', ['text', 'isodow'], ['date', '2021-01-01']), '5 :: numeric'],
  [fn('extract', ['text', 'dow'], ['date', '2021-01-01']), '5 :: numeric'],
  [fn('extract', ['text', 'doy'], ['date', '2021-01-01']), '1 :: numeric'],
  [fn('extract', ['text', 'year'], ['date', '2021-01-01']), '2021 :: numeric'],
  [fn('extract', ['text', 'week'], ['date', '2021-01-03']), '53 :: numeric'],
  [fn('extract', ['text', 'isoyear'], ['date', '2021-01-03']), '2020 :: numeric'],
  [fn('extract', ['text', 'isodow'], ['date', '2021-01-03']), '7 :: numeric'],
  [fn('extract', ['text', 'dow'], ['date', '2021-01-03']), '0 :: numeric'],
  [fn('extract', ['text', 'doy'], ['date', '2021-01-03']), '3 :: numeric'],
  [fn('extract', ['text', 'year'], ['date', '2021-01-03']), '2021 :: numeric'],
  [fn('extract', ['text', 'week'], ['date', '2021-01-04']), '1 :: numeric'],
  [fn('extract', ['text', 'isoyear'], ['date', '2021-01-04']), '2021 :: numeric'],
  [fn('extract', ['text', 'isodow'], ['date', '2021-01-04']), '1 :: numeric'],
  [fn('extract', ['text', 'dow'], ['date', '2021-01-04']), '1 :: numeric'],
  [fn('extract', ['text', 'doy'], ['date', '2021-01-04']), '4 :: numeric'],
  [fn('extract', ['text', 'year'], ['date', '2021-01-04']), '2021 :: numeric'],
  [fn('extract', ['text', 'week'], ['date', '2024-12-29']), '52 :: numeric'],
  [fn('extract', ['text', 'isoyear'], ['date', '2024-12-29']), '2024 :: numeric'],
  [fn('extract', ['text', 'isodow'], ['date', '2024-12-29']), '7 :: numeric'],
  [fn('extract', ['text', 'dow'], ['date', '2024-12-29']), '0 :: numeric'],
  [fn('extract', ['text', 'doy'], ['date', '2024-12-29']), '364 :: numeric'],
  [fn('extract', ['text', 'year'], ['date', '2024-12-29']), '2024 :: numeric'],
  [fn('extract', ['text', 'week'], ['date', '2024-12-30']), '1 :: numeric'],
  [fn('extract', ['text', 'isoyear'], ['date', '2024-12-30']), '2025 :: numeric'],
  [fn('extract', ['text', 'isodow'], ['date', '2024-12-30']), '1 :: numeric'],
  [fn('extract', ['text', 'dow'], ['date', '2024-12-30']), '1 :: numeric'],
  [fn('extract', ['text', 'doy'], ['date', '2024-12-30']), '365 :: numeric'],
  [fn('extract', ['text', 'year'], ['date', '2024-12-30']), '2024 :: numeric'],
  [fn('extract', ['text', 'week'], ['date', '2025-12-28']), '52 :: numeric'],
  [fn('extract', ['text', 'isoyear'], ['date', '2025-12-28']), '2025 :: numeric'],
  [fn('extract', ['text', 'isodow'], ['date', '2025-12-28']), '7 :: numeric'],
  [fn('extract', ['text', 'dow'], ['date', '2025-12-28']), '0 :: numeric'],
  [fn('extract', ['text', 'doy'], ['date', '2025-12-28']), '362 :: numeric'],
  [fn('extract', ['text', 'year'], ['date', '2025-12-28']), '2025 :: numeric'],
  [fn('extract', ['text', 'week'], ['date', '2025-12-29']), '1 :: numeric'],
  [fn('extract', ['text', 'isoyear'], ['date', '2025-12-29']), '2026 :: numeric'],
  [fn('extract', ['text', 'isodow'], ['date', '2025-12-29']), '1 :: numeric'],
  [fn('extract', ['text', 'dow'], ['date', '2025-12-29']), '1 :: numeric'],
  [fn('extract', ['text', 'doy'], ['date', '2025-12-29']), '363 :: numeric'],
  [fn('extract', ['text', 'year'], ['date', '2025-12-29']), '2025 :: numeric'],
  [fn('extract', ['text', 'week'], ['date', '2026-01-01']), '1 :: numeric'],
  [fn('extract', ['text', 'isoyear'], ['date', '2026-01-01']), '2026 :: numeric'],
  [fn('extract', ['text', 'isodow'], ['date', '2026-01-01']), '4 :: numeric'],
  [fn('extract', ['text', 'dow'], ['date', '2026-01-01']), '4 :: numeric'],
  [fn('extract', ['text', 'doy'], ['date', '2026-01-01']), '1 :: numeric'],
  [fn('extract', ['text', 'year'], ['date', '2026-01-01']), '2026 :: numeric'],
  [fn('extract', ['text', 'week'], ['date', '2027-01-01']), '53 :: numeric'],
  [fn('extract', ['text', 'isoyear'], ['date', '2027-01-01']), '2026 :: numeric'],
  [fn('extract', ['text', 'isodow'], ['date', '2027-01-01']), '5 :: numeric'],
  [fn('extract', ['text', 'dow'], ['date', '2027-01-01']), '5 :: numeric'],
  [fn('extract', ['text', 'doy'], ['date', '2027-01-01']), '1 :: numeric'],
  [fn('extract', ['text', 'year'], ['date', '2027-01-01']), '2027 :: numeric'],
  [fn('extract', ['text', 'week'], ['date', '2027-01-03']), '53 :: numeric'],
  [fn('extract', ['text', 'isoyear'], ['date', '2027-01-03']), '2026 :: numeric'],
  [fn('extract', ['text', 'isodow'], ['date', '2027-01-03']), '7 :: numeric'],
  [fn('extract', ['text', 'dow'], ['date', '2027-01-03']), '0 :: numeric'],
  [fn('extract', ['text', 'doy'], ['date', '2027-01-03']), '3 :: numeric'],
  [fn('extract', ['text', 'year'], ['date', '2027-01-03']), '2027 :: numeric'],
  [fn('extract', ['text', 'week'], ['date', '2016-01-03']), '53 :: numeric'],
  [fn('extract', ['text', 'isoyear'], ['date', '2016-01-03']), '2015 :: numeric'],
  [fn('extract', ['text', 'isodow'], ['date', '2016-01-03']), '7 :: numeric'],
  [fn('extract', ['text', 'dow'], ['date', '2016-01-03']), '0 :: numeric'],
  [fn('extract', ['text', 'doy'], ['date', '2016-01-03']), '3 :: numeric'],
  [fn('extract', ['text', 'year'], ['date', '2016-01-03']), '2016 :: numeric'],
  [fn('extract', ['text', 'week'], ['date', '0001-01-01']), '1 :: numeric'],
  [fn('extract', ['text', 'isoyear'], ['date', '0001-01-01']), '1 :: numeric'],
  [fn('extract', ['text', 'isodow'], ['date', '0001-01-01']), '1 :: numeric'],
  [fn('extract', ['text', 'dow'], ['date', '0001-01-01']), '1 :: numeric'],
  [fn('extract', ['text', 'doy'], ['date', '0001-01-01']), '1 :: numeric'],
  [fn('extract', ['text', 'year'], ['date', '0001-01-01']), '1 :: numeric'],
  [fn('extract', ['text', 'week'], ['date', '0001-12-31 BC']), '52 :: numeric'],
  [fn('extract', ['text', 'isoyear'], ['date', '0001-12-31 BC']), '-1 :: numeric'],
  [fn('extract', ['text', 'isodow'], ['date', '0001-12-31 BC']), '7 :: numeric'],
  [fn('extract', ['text', 'dow'], ['date', '0001-12-31 BC']), '0 :: numeric'],
  [fn('extract', ['text', 'doy'], ['date', '0001-12-31 BC']), '366 :: numeric'],
  [fn('extract', ['text', 'year'], ['date', '0001-12-31 BC']), '-1 :: numeric'],
  [fn('extract', ['text', 'week'], ['date', '0001-01-01 BC']), '52 :: numeric'],
  [fn('extract', ['text', 'isoyear'], ['date', '0001-01-01 BC']), '-2 :: numeric'],
  [fn('extract', ['text', 'isodow'], ['date', '0001-01-01 BC']), '6 :: numeric'],
  [fn('extract', ['text', 'dow'], ['date', '0001-01-01 BC']), '6 :: numeric'],
  [fn('extract', ['text', 'doy'], ['date', '0001-01-01 BC']), '1 :: numeric'],
  [fn('extract', ['text', 'year'], ['date', '0001-01-01 BC']), '-1 :: numeric'],
  [fn('extract', ['text', 'decade'], ['timestamp', '0010-01-01 BC']), '-1 :: numeric'],
  [fn('extract', ['text', 'century'], ['timestamp', '0010-01-01 BC']), '-1 :: numeric'],
  [fn('extract', ['text', 'millennium'], ['timestamp', '0010-01-01 BC']), '-1 :: numeric'],
  [fn('extract', ['text', 'year'], ['timestamp', '0010-01-01 BC']), '-10 :: numeric'],
  [fn('extract', ['text', 'decade'], ['timestamp', '0011-01-01 BC']), '-1 :: numeric'],
  [fn('extract', ['text', 'century'], ['timestamp', '0011-01-01 BC']), '-1 :: numeric'],
  [fn('extract', ['text', 'millennium'], ['timestamp', '0011-01-01 BC']), '-1 :: numeric'],
  [fn('extract', ['text', 'year'], ['timestamp', '0011-01-01 BC']), '-11 :: numeric'],
  [fn('extract', ['text', 'decade'], ['timestamp', '0100-01-01 BC']), '-10 :: numeric'],
  [fn('extract', ['text', 'century'], ['timestamp', '0100-01-01 BC']), '-1 :: numeric'],
  [fn('extract', ['text', 'millennium'], ['timestamp', '0100-01-01 BC']), '-1 :: numeric'],
  [fn('extract', ['text', 'year'], ['timestamp', '0100-01-01 BC']), '-100 :: numeric'],
  [fn('extract', ['text', 'decade'], ['timestamp', '0101-01-01 BC']), '-10 :: numeric'],
  [fn('extract', ['text', 'century'], ['timestamp', '0101-01-01 BC']), '-2 :: numeric'],
  [fn('extract', ['text', 'millennium'], ['timestamp', '0101-01-01 BC']), '-1 :: numeric'],
  [fn('extract', ['text', 'year'], ['timestamp', '0101-01-01 BC']), '-101 :: numeric'],
  [fn('extract', ['text', 'decade'], ['timestamp', '1000-12-31 BC']), '-100 :: numeric'],
  [fn('extract', ['text', 'century'], ['timestamp', '1000-12-31 BC']), '-10 :: numeric'],
  [fn('extract', ['text', 'millennium'], ['timestamp', '1000-12-31 BC']), '-1 :: numeric'],
  [fn('extract', ['text', 'year'], ['timestamp', '1000-12-31 BC']), '-1000 :: numeric'],
  [fn('extract', ['text', 'decade'], ['timestamp', '1001-01-01 BC']), '-100 :: numeric'],
  [fn('extract', ['text', 'century'], ['timestamp', '1001-01-01 BC']), '-11 :: numeric'],
  [fn('extract', ['text', 'millennium'], ['timestamp', '1001-01-01 BC']), '-2 :: numeric'],
  [fn('extract', ['text', 'year'], ['timestamp', '1001-01-01 BC']), '-1001 :: numeric'],
  [fn('extract', ['text', 'decade'], ['timestamp', '2000-12-31']), '200 :: numeric'],
  [fn('extract', ['text', 'century'], ['timestamp', '2000-12-31']), '20 :: numeric'],
  [fn('extract', ['text', 'millennium'], ['timestamp', '2000-12-31']), '2 :: numeric'],
  [fn('extract', ['text', 'year'], ['timestamp', '2000-12-31']), '2000 :: numeric'],
  [fn('extract', ['text', 'decade'], ['timestamp', '2001-01-01']), '200 :: numeric'],
  [fn('extract', ['text', 'century'], ['timestamp', '2001-01-01']), '21 :: numeric'],
  [fn('extract', ['text', 'millennium'], ['timestamp', '2001-01-01']), '3 :: numeric'],
  [fn('extract', ['text', 'year'], ['timestamp', '2001-01-01']), '2001 :: numeric'],
  [fn('extract', ['text', 'hour'], ['timestamp', 'infinity']), 'null :: numeric'],
  [fn('extract', ['text', 'year'], ['timestamp', 'infinity']), '"Infinity" :: numeric'],
  [fn('extract', ['text', 'epoch'], ['timestamp', 'infinity']), '"Infinity" :: numeric'],
  [fn('extract', ['text', 'timezone'], ['timestamp', 'infinity']), 'null :: numeric'],
  [fn('extract', ['text', 'julian'], ['timestamp', 'infinity']), '"Infinity" :: numeric'],
  [fn('extract', ['text', 'dow'], ['date', '-infinity']), 'null :: numeric'],
  [fn('extract', ['text', 'year'], ['date', '-infinity']), '"-Infinity" :: numeric'],
  [fn('extract', ['text', 'epoch'], ['date', '-infinity']), '"-Infinity" :: numeric'],
  [fn('extract', ['text', 'hour'], ['date', '-infinity']), 'ERROR 0A000: unit "hour" not supported for type date'],
  [fn('extract', ['text', 'foo'], ['date', '-infinity']), 'ERROR 22023: unit "foo" not recognized for type date'],
  [fn('extract', ['text', 'timezone'], ['date', '-infinity']), 'ERROR 0A000: unit "timezone" not supported for type date'],
  [fn('extract', ['text', 'epoch'], ['date', '2024-01-01']), '1704067200 :: numeric'],
  [fn('extract', ['text', 'hour'], ['date', '2024-01-01']), 'ERROR 0A000: unit "hour" not supported for type date'],
  [fn('extract', ['text', 'foo'], ['date', '2024-01-01']), 'ERROR 22023: unit "foo" not recognized for type date'],
  [fn('extract', ['text', 'now'], ['date', '2024-01-01']), 'ERROR 0A000: unit "now" not supported for type date'],
  [fn('extract', ['text', 'foo'], ['timestamp', '2024-01-01']), 'ERROR 22023: unit "foo" not recognized for type timestamp without time zone'],
  [fn('extract', ['text', 'foo'], ['timestamptz', '2024-01-01']), 'ERROR 22023: unit "foo" not recognized for type timestamp with time zone'],
  [fn('extract', ['text', 'foo'], ['interval', '1 day']), 'ERROR 22023: unit "foo" not recognized for type interval'],
  [fn('extract', ['text', 'epoch'], ['timestamp', '1969-12-31 23:59:59.999999']), '-0.000001 :: numeric'],
  [fn('extract', ['text', 'second'], ['timestamp', '2024-01-01 00:00:59.000001']), '59.000001 :: numeric'],
];

/** to_char(timestamp | timestamptz | date, text). */
const toChar: readonly Row[] = [
  [fn('to_char', ['timestamp', '2024-03-05 14:07:09.123456'], ['text', 'YYYY-MM-DD HH24:MI:SS.MS.US']), '"2024-03-05 14:07:09.123.123456" :: text'],
  [fn('to_char', ['timestamp', '2024-03-01 00:00:00'], ['text', 'YYYY-MM-DD HH24:MI:SS.MS.US']), '"2024-03-01 00:00:00.000.000000" :: text'],
  [fn('to_char', ['timestamp', '2021-01-01 12:00:00'], ['text', 'YYYY-MM-DD HH24:MI:SS.MS.US']), '"2021-01-01 12:00:00.000.000000" :: text'],
  [fn('to_char', ['timestamp', '2024-03-05 14:07:09.123456'], ['text', 'HH12 HH am AM pm PM a.m. P.M.']), '"02 02 pm PM pm PM p.m. P.M." :: text'],
  [fn('to_char', ['timestamp', '2024-03-01 00:00:00'], ['text', 'HH12 HH am AM pm PM a.m. P.M.']), '"12 12 am AM am AM a.m. A.M." :: text'],
  [fn('to_char', ['timestamp', '2021-01-01 12:00:00'], ['text', 'HH12 HH am AM pm PM a.m. P.M.']), '"12 12 pm PM pm PM p.m. P.M." :: text'],
  [fn('to_char', ['timestamp', '2024-03-05 14:07:09.123456'], ['text', 'Mon MON mon Month MONTH month|']), '"Mar MAR mar March     MARCH     march    |" :: text'],
  [fn('to_char', ['timestamp', '2024-03-01 00:00:00'], ['text', 'Mon MON mon Month MONTH month|']), '"Mar MAR mar March     MARCH     march    |" :: text'],
  [fn('to_char', ['timestamp', '2021-01-01 12:00:00'], ['text', 'Mon MON mon Month MONTH month|']), '"Jan JAN jan January   JANUARY   january  |" :: text'],
  [fn('to_char', ['timestamp', '2024-03-05 14:07:09.123456'], ['text', 'FMMonth|FMDay|Day|DY|Dy|dy|day|D']), '"March|Tuesday|Tuesday  |TUE|Tue|tue|tuesday  |3" :: text'],
  [fn('to_char', ['timestamp', '2024-03-01 00:00:00'], ['text', 'FMMonth|FMDay|Day|DY|Dy|dy|day|D']), '"March|Friday|Friday   |FRI|Fri|fri|friday   |6" :: text'],
  [fn('to_char', ['timestamp', '2021-01-01 12:00:00'], ['text', 'FMMonth|FMDay|Day|DY|Dy|dy|day|D']), '"January|Friday|Friday   |FRI|Fri|fri|friday   |6" :: text'],
  [fn('to_char', ['timestamp', '2024-03-05 14:07:09.123456'], ['text', 'TZ tz TZH TZM OF FMOF']), '"  +00 00 +00 +0" :: text'],
  [fn('to_char', ['timestamp', '2024-03-01 00:00:00'], ['text', 'TZ tz TZH TZM OF FMOF']), '"  +00 00 +00 +0" :: text'],
  [fn('to_char', ['timestamp', '2021-01-01 12:00:00'], ['text', 'TZ tz TZH TZM OF FMOF']), '"  +00 00 +00 +0" :: text'],
  [fn('to_char', ['timestamp', '2024-03-05 14:07:09.123456'], ['text', 'DDD IW IYYY Q WW W J CC']), '"065 10 2024 1 10 1 2460375 21" :: text'],
  [fn('to_char', ['timestamp', '2024-03-01 00:00:00'], ['text', 'DDD IW IYYY Q WW W J CC']), '"061 09 2024 1 09 1 2460371 21" :: text'],
  [fn('to_char', ['timestamp', '2021-01-01 12:00:00'], ['text', 'DDD IW IYYY Q WW W J CC']), '"001 53 2020 1 01 1 2459216 21" :: text'],
  [fn('to_char', ['timestamp', '2024-03-05 14:07:09.123456'], ['text', 'FMDDD FMIW FMIYYY FMDD FMMM FMHH24 FMMI FMSS FMHH12 FMCC']), '"65 10 2024 5 3 14 7 9 2 21" :: text'],
  [fn('to_char', ['timestamp', '2024-03-01 00:00:00'], ['text', 'FMDDD FMIW FMIYYY FMDD FMMM FMHH24 FMMI FMSS FMHH12 FMCC']), '"61 9 2024 1 3 0 0 0 12 21" :: text'],
  [fn('to_char', ['timestamp', '2021-01-01 12:00:00'], ['text', 'FMDDD FMIW FMIYYY FMDD FMMM FMHH24 FMMI FMSS FMHH12 FMCC']), '"1 53 2020 1 1 12 0 0 12 21" :: text'],
  [fn('to_char', ['timestamp', '2024-03-05 14:07:09.123456'], ['text', 'IYYY-IW-ID IDDD YYYY']), '"2024-10-2 065 2024" :: text'],
  [fn('to_char', ['timestamp', '2024-03-01 00:00:00'], ['text', 'IYYY-IW-ID IDDD YYYY']), '"2024-09-5 061 2024" :: text'],
  [fn('to_char', ['timestamp', '2021-01-01 12:00:00'], ['text', 'IYYY-IW-ID IDDD YYYY']), '"2020-53-5 369 2021" :: text'],
  [fn('to_char', ['timestamp', '2024-03-05 14:07:09.123456'], ['text', '"Year" YYYY "is ""quoted"" \\"x\\"" \\"y\\"']), '"Year 2024 is quoted \\"x\\" \\"4\\"" :: text'],
  [fn('to_char', ['timestamp', '2024-03-01 00:00:00'], ['text', '"Year" YYYY "is ""quoted"" \\"x\\"" \\"y\\"']), '"Year 2024 is quoted \\"x\\" \\"4\\"" :: text'],
  [fn('to_char', ['timestamp', '2021-01-01 12:00:00'], ['text', '"Year" YYYY "is ""quoted"" \\"x\\"" \\"y\\"']), '"Year 2021 is quoted \\"x\\" \\"1\\"" :: text'],
  [fn('to_char', ['timestamp', '2024-03-05 14:07:09.123456'], ['text', 'YY YYY Y Y,YYY IY IYY I']), '"24 024 4 2,024 24 024 4" :: text'],
  [fn('to_char', ['timestamp', '2024-03-01 00:00:00'], ['text', 'YY YYY Y Y,YYY IY IYY I']), '"24 024 4 2,024 24 024 4" :: text'],
  [fn('to_char', ['timestamp', '2021-01-01 12:00:00'], ['text', 'YY YYY Y Y,YYY IY IYY I']), '"21 021 1 2,021 20 020 0" :: text'],
  [fn('to_char', ['timestamp', '2024-03-05 14:07:09.123456'], ['text', 'DDth DDTH FMDDth Mth HH24th SSSSth']), '"05th 05TH 5th Mth 14th 50829th" :: text'],
  [fn('to_char', ['timestamp', '2024-03-01 00:00:00'], ['text', 'DDth DDTH FMDDth Mth HH24th SSSSth']), '"01st 01ST 1st Mth 00th 0th" :: text'],
  [fn('to_char', ['timestamp', '2021-01-01 12:00:00'], ['text', 'DDth DDTH FMDDth Mth HH24th SSSSth']), '"01st 01ST 1st Mth 12th 43200th" :: text'],
  [fn('to_char', ['timestamp', '2024-03-05 14:07:09.123456'], ['text', 'YYYY BC AD bc b.c. A.D. ad a.d.']), '"2024 AD AD ad a.d. A.D. ad a.d." :: text'],
  [fn('to_char', ['timestamp', '2024-03-01 00:00:00'], ['text', 'YYYY BC AD bc b.c. A.D. ad a.d.']), '"2024 AD AD ad a.d. A.D. ad a.d." :: text'],
  [fn('to_char', ['timestamp', '2021-01-01 12:00:00'], ['text', 'YYYY BC AD bc b.c. A.D. ad a.d.']), '"2021 AD AD ad a.d. A.D. ad a.d." :: text'],
  [fn('to_char', ['timestamp', '2024-03-05 14:07:09.123456'], ['text', 'RM rm FMRM|']), '"III  iii  III|" :: text'],
  [fn('to_char', ['timestamp', '2024-03-01 00:00:00'], ['text', 'RM rm FMRM|']), '"III  iii  III|" :: text'],
  [fn('to_char', ['timestamp', '2021-01-01 12:00:00'], ['text', 'RM rm FMRM|']), '"I    i    I|" :: text'],
  [fn('to_char', ['timestamp', '2024-03-05 14:07:09.123456'], ['text', 'SSSS SSSSS FF1 FF2 FF3 FF4 FF5 FF6 FMMS']), '"50829 50829 1 12 123 1234 12345 123456 123" :: text'],
  [fn('to_char', ['timestamp', '2024-03-01 00:00:00'], ['text', 'SSSS SSSSS FF1 FF2 FF3 FF4 FF5 FF6 FMMS']), '"0 0 0 00 000 0000 00000 000000 000" :: text'],
  [fn('to_char', ['timestamp', '2021-01-01 12:00:00'], ['text', 'SSSS SSSSS FF1 FF2 FF3 FF4 FF5 FF6 FMMS']), '"43200 43200 0 00 000 0000 00000 000000 000" :: text'],
  [fn('to_char', ['timestamp', '2024-03-05 14:07:09.123456'], ['text', 'FMx FM']), '"x " :: text'],
  [fn('to_char', ['timestamp', '2024-03-01 00:00:00'], ['text', 'FMx FM']), '"x " :: text'],
  [fn('to_char', ['timestamp', '2021-01-01 12:00:00'], ['text', 'FMx FM']), '"x " :: text'],
  [fn('to_char', ['timestamp', '2024-03-05 14:07:09.123456'], ['text', 'TMMonth TMDay TMMon|']), '"March Tuesday Mar|" :: text'],
  [fn('to_char', ['timestamp', '2024-03-01 00:00:00'], ['text', 'TMMonth TMDay TMMon|']), '"March Friday Mar|" :: text'],
  [fn('to_char', ['timestamp', '2021-01-01 12:00:00'], ['text', 'TMMonth TMDay TMMon|']), '"January Friday Jan|" :: text'],
  [fn('to_char', ['timestamp', '2024-03-05 14:07:09.123456'], ['text', 'mOn DAy hh24 yyyy']), '"mOn 3A4 14 2024" :: text'],
  [fn('to_char', ['timestamp', '2024-03-01 00:00:00'], ['text', 'mOn DAy hh24 yyyy']), '"mOn 6A4 00 2024" :: text'],
  [fn('to_char', ['timestamp', '2021-01-01 12:00:00'], ['text', 'mOn DAy hh24 yyyy']), '"mOn 6A1 12 2021" :: text'],
  [fn('to_char', ['timestamp', '2024-03-05 14:07:09.123456'], ['text', 'Ñ ü 😀 YYYY']), '"Ñ ü 😀 2024" :: text'],
  [fn('to_char', ['timestamp', '2024-03-01 00:00:00'], ['text', 'Ñ ü 😀 YYYY']), '"Ñ ü 😀 2024" :: text'],
  [fn('to_char', ['timestamp', '2021-01-01 12:00:00'], ['text', 'Ñ ü 😀 YYYY']), '"Ñ ü 😀 2021" :: text'],
  [fn('to_char', ['timestamp', '2024-03-05 14:07:09.123456'], ['text', 'YYYY-MM-DD']), '"2024-03-05" :: text'],
  [fn('to_char', ['timestamp', '2024-03-01 00:00:00'], ['text', 'YYYY-MM-DD']), '"2024-03-01" :: text'],
  [fn('to_char', ['timestamp', '2021-01-01 12:00:00'], ['text', 'YYYY-MM-DD']), '"2021-01-01" :: text'],
  [fn('to_char', ['timestamp', '2024-03-05 14:07:09.123456'], ['text', '']), 'null :: text'],
  [fn('to_char', ['timestamp', '2024-03-01 00:00:00'], ['text', '']), 'null :: text'],
  [fn('to_char', ['timestamp', '2021-01-01 12:00:00'], ['text', '']), 'null :: text'],
  [fn('to_char', ['timestamp', '2024-03-05 14:07:09.123456'], ['text', 'SP DDSP']), '"SP 05" :: text'],
  [fn('to_char', ['timestamp', '2024-03-01 00:00:00'], ['text', 'SP DDSP']), '"SP 01" :: text'],
  [fn('to_char', ['timestamp', '2021-01-01 12:00:00'], ['text', 'SP DDSP']), '"SP 01" :: text'],
  [fn('to_char', ['timestamp', '2024-03-05 14:07:09.123456'], ['text', 'FX']), '"" :: text'],
  [fn('to_char', ['timestamp', '2024-03-01 00:00:00'], ['text', 'FX']), '"" :: text'],
  [fn('to_char', ['timestamp', '2021-01-01 12:00:00'], ['text', 'FX']), '"" :: text'],
  [fn('to_char', ['timestamp', '2024-03-05 14:07:09.123456'], ['text', 'yyyy-mm-dd"T"hh24:mi:ss']), '"2024-03-05T14:07:09" :: text'],
  [fn('to_char', ['timestamp', '2024-03-01 00:00:00'], ['text', 'yyyy-mm-dd"T"hh24:mi:ss']), '"2024-03-01T00:00:00" :: text'],
  [fn('to_char', ['timestamp', '2021-01-01 12:00:00'], ['text', 'yyyy-mm-dd"T"hh24:mi:ss']), '"2021-01-01T12:00:00" :: text'],
  [fn('to_char', ['timestamp', '2024-03-05 14:07:09.123456'], ['text', 'Day, DD Month YYYY']), '"Tuesday  , 05 March     2024" :: text'],
  [fn('to_char', ['timestamp', '2024-03-01 00:00:00'], ['text', 'Day, DD Month YYYY']), '"Friday   , 01 March     2024" :: text'],
  [fn('to_char', ['timestamp', '2021-01-01 12:00:00'], ['text', 'Day, DD Month YYYY']), '"Friday   , 01 January   2021" :: text'],
  [fn('to_char', ['timestamp', '2024-03-05 14:07:09.123456'], ['text', 'Q"Q"YY']), '"1Q24" :: text'],
  [fn('to_char', ['timestamp', '2024-03-01 00:00:00'], ['text', 'Q"Q"YY']), '"1Q24" :: text'],
  [fn('to_char', ['timestamp', '2021-01-01 12:00:00'], ['text', 'Q"Q"YY']), '"1Q21" :: text'],
  [fn('to_char', ['timestamp', '2024-03-05 14:07:09.123456'], ['text', 'WW/W']), '"10/1" :: text'],
  [fn('to_char', ['timestamp', '2024-03-01 00:00:00'], ['text', 'WW/W']), '"09/1" :: text'],
  [fn('to_char', ['timestamp', '2021-01-01 12:00:00'], ['text', 'WW/W']), '"01/1" :: text'],
  [fn('to_char', ['timestamp', '2024-03-05 14:07:09.123456'], ['text', 'hh:mi am']), '"02:07 pm" :: text'],
  [fn('to_char', ['timestamp', '2024-03-01 00:00:00'], ['text', 'hh:mi am']), '"12:00 am" :: text'],
  [fn('to_char', ['timestamp', '2021-01-01 12:00:00'], ['text', 'hh:mi am']), '"12:00 pm" :: text'],
  [fn('to_char', ['timestamp', '2024-03-05 14:07:09.123456'], ['text', '"unterminated']), '"unterminated" :: text'],
  [fn('to_char', ['timestamp', '2024-03-01 00:00:00'], ['text', '"unterminated']), '"unterminated" :: text'],
  [fn('to_char', ['timestamp', '2021-01-01 12:00:00'], ['text', '"unterminated']), '"unterminated" :: text'],
  [fn('to_char', ['timestamp', '2024-03-05 14:07:09.123456'], ['text', '\\\\ \\YYYY']), '"\\\\\\\\ \\\\2024" :: text'],
  [fn('to_char', ['timestamp', '2024-03-01 00:00:00'], ['text', '\\\\ \\YYYY']), '"\\\\\\\\ \\\\2024" :: text'],
  [fn('to_char', ['timestamp', '2021-01-01 12:00:00'], ['text', '\\\\ \\YYYY']), '"\\\\\\\\ \\\\2021" :: text'],
  [fn('to_char', ['timestamp', '2024-12-30 23:59:59.999999'], ['text', 'YYYY-MM-DD HH24:MI:SS.MS.US']), '"2024-12-30 23:59:59.999.999999" :: text'],
  [fn('to_char', ['timestamp', '2024-12-30 23:59:59.999999'], ['text', 'HH12 HH am AM pm PM a.m. P.M.']), '"11 11 pm PM pm PM p.m. P.M." :: text'],
  [fn('to_char', ['timestamp', '2024-12-30 23:59:59.999999'], ['text', 'Mon MON mon Month MONTH month|']), '"Dec DEC dec December  DECEMBER  december |" :: text'],
  [fn('to_char', ['timestamp', '2024-12-30 23:59:59.999999'], ['text', 'FMMonth|FMDay|Day|DY|Dy|dy|day|D']), '"December|Monday|Monday   |MON|Mon|mon|monday   |2" :: text'],
  [fn('to_char', ['timestamp', '2024-12-30 23:59:59.999999'], ['text', 'TZ tz TZH TZM OF FMOF']), '"  +00 00 +00 +0" :: text'],
  [fn('to_char', ['timestamp', '2024-12-30 23:59:59.999999'], ['text', 'DDD IW IYYY Q WW W J CC']), '"365 01 2025 4 53 5 2460675 21" :: text'],
  [fn('to_char', ['timestamp', '2024-12-30 23:59:59.999999'], ['text', 'FMDDD FMIW FMIYYY FMDD FMMM FMHH24 FMMI FMSS FMHH12 FMCC']), '"365 1 2025 30 12 23 59 59 11 21" :: text'],
  [fn('to_char', ['timestamp', '2024-12-30 23:59:59.999999'], ['text', 'IYYY-IW-ID IDDD YYYY']), '"2025-01-1 001 2024" :: text'],
  [fn('to_char', ['timestamp', '2024-12-30 23:59:59.999999'], ['text', '"Year" YYYY "is ""quoted"" \\"x\\"" \\"y\\"']), '"Year 2024 is quoted \\"x\\" \\"4\\"" :: text'],
  [fn('to_char', ['timestamp', '2024-12-30 23:59:59.999999'], ['text', 'YY YYY Y Y,YYY IY IYY I']), '"24 024 4 2,024 25 025 5" :: text'],
  [fn('to_char', ['timestamp', '2024-12-30 23:59:59.999999'], ['text', 'DDth DDTH FMDDth Mth HH24th SSSSth']), '"30th 30TH 30th Mth 23rd 86399th" :: text'],
  [fn('to_char', ['timestamp', '2024-12-30 23:59:59.999999'], ['text', 'YYYY BC AD bc b.c. A.D. ad a.d.']), '"2024 AD AD ad a.d. A.D. ad a.d." :: text'],
  [fn('to_char', ['timestamp', '2024-12-30 23:59:59.999999'], ['text', 'RM rm FMRM|']), '"XII  xii  XII|" :: text'],
  [fn('to_char', ['timestamp', '2024-12-30 23:59:59.999999'], ['text', 'SSSS SSSSS FF1 FF2 FF3 FF4 FF5 FF6 FMMS']), '"86399 86399 9 99 999 9999 99999 999999 999" :: text'],
  [fn('to_char', ['timestamp', '2024-12-30 23:59:59.999999'], ['text', 'FMx FM']), '"x " :: text'],
  [fn('to_char', ['timestamp', '2024-12-30 23:59:59.999999'], ['text', 'TMMonth TMDay TMMon|']), '"December Monday Dec|" :: text'],
  [fn('to_char', ['timestamp', '2024-12-30 23:59:59.999999'], ['text', 'mOn DAy hh24 yyyy']), '"mOn 2A4 23 2024" :: text'],
  [fn('to_char', ['timestamp', '2024-12-30 23:59:59.999999'], ['text', 'Ñ ü 😀 YYYY']), '"Ñ ü 😀 2024" :: text'],
  [fn('to_char', ['timestamp', '2024-12-30 23:59:59.999999'], ['text', 'YYYY-MM-DD']), '"2024-12-30" :: text'],
  [fn('to_char', ['timestamp', '2024-12-30 23:59:59.999999'], ['text', '']), 'null :: text'],
  [fn('to_char', ['timestamp', '2024-12-30 23:59:59.999999'], ['text', 'SP DDSP']), '"SP 30" :: text'],
  [fn('to_char', ['timestamp', '2024-12-30 23:59:59.999999'], ['text', 'FX']), '"" :: text'],
  [fn('to_char', ['timestamp', '2024-12-30 23:59:59.999999'], ['text', 'yyyy-mm-dd"T"hh24:mi:ss']), '"2024-12-30T23:59:59" :: text'],
  [fn('to_char', ['timestamp', '2024-12-30 23:59:59.999999'], ['text', 'Day, DD Month YYYY']), '"Monday   , 30 December  2024" :: text'],
  [fn('to_char', ['timestamp', '2024-12-30 23:59:59.999999'], ['text', 'Q"Q"YY']), '"4Q24" :: text'],
  [fn('to_char', ['timestamp', '2024-12-30 23:59:59.999999'], ['text', 'WW/W']), '"53/5" :: text'],
  [fn('to_char', ['timestamp', '2024-12-30 23:59:59.999999'], ['text', 'hh:mi am']), '"11:59 pm" :: text'],
  [fn('to_char', ['timestamp', '2024-12-30 23:59:59.999999'], ['text', '"unterminated']), '"unterminated" :: text'],
  [fn('to_char', ['timestamp', '2024-12-30 23:59:59.999999'], ['text', '\\\\ \\YYYY']), '"\\\\\\\\ \\\\2024" :: text'],
  [fn('to_char', ['timestamp', '0044-03-15 01:02:03 BC'], ['text', 'YYYY-MM-DD HH24:MI:SS.MS.US']), '"0044-03-15 01:02:03.000.000000" :: text'],
  [fn('to_char', ['timestamp', '0044-03-15 01:02:03 BC'], ['text', 'HH12 HH am AM pm PM a.m. P.M.']), '"01 01 am AM am AM a.m. A.M." :: text'],
  [fn('to_char', ['timestamp', '0044-03-15 01:02:03 BC'], ['text', 'Mon MON mon Month MONTH month|']), '"Mar MAR mar March     MARCH     march    |" :: text'],
  [fn('to_char', ['timestamp', '0044-03-15 01:02:03 BC'], ['text', 'FMMonth|FMDay|Day|DY|Dy|dy|day|D']), '"March|Friday|Friday   |FRI|Fri|fri|friday   |6" :: text'],
  [fn('to_char', ['timestamp', '0044-03-15 01:02:03 BC'], ['text', 'TZ tz TZH TZM OF FMOF']), '"  +00 00 +00 +0" :: text'],
  [fn('to_char', ['timestamp', '0044-03-15 01:02:03 BC'], ['text', 'DDD IW IYYY Q WW W J CC']), '"074 11 0044 1 11 3 1705428 -01" :: text'],
  [fn('to_char', ['timestamp', '0044-03-15 01:02:03 BC'], ['text', 'FMDDD FMIW FMIYYY FMDD FMMM FMHH24 FMMI FMSS FMHH12 FMCC']), '"74 11 44 15 3 1 2 3 1 -1" :: text'],
  [fn('to_char', ['timestamp', '0044-03-15 01:02:03 BC'], ['text', 'IYYY-IW-ID IDDD YYYY']), '"0044-11-5 075 0044" :: text'],
  [fn('to_char', ['timestamp', '0044-03-15 01:02:03 BC'], ['text', '"Year" YYYY "is ""quoted"" \\"x\\"" \\"y\\"']), '"Year 0044 is quoted \\"x\\" \\"4\\"" :: text'],
  [fn('to_char', ['timestamp', '0044-03-15 01:02:03 BC'], ['text', 'YY YYY Y Y,YYY IY IYY I']), '"44 044 4 0,044 44 044 4" :: text'],
  [fn('to_char', ['timestamp', '0044-03-15 01:02:03 BC'], ['text', 'DDth DDTH FMDDth Mth HH24th SSSSth']), '"15th 15TH 15th Mth 01st 3723rd" :: text'],
  [fn('to_char', ['timestamp', '0044-03-15 01:02:03 BC'], ['text', 'YYYY BC AD bc b.c. A.D. ad a.d.']), '"0044 BC BC bc b.c. B.C. bc b.c." :: text'],
  [fn('to_char', ['timestamp', '0044-03-15 01:02:03 BC'], ['text', 'RM rm FMRM|']), '"III  iii  III|" :: text'],
  [fn('to_char', ['timestamp', '0044-03-15 01:02:03 BC'], ['text', 'SSSS SSSSS FF1 FF2 FF3 FF4 FF5 FF6 FMMS']), '"3723 3723 0 00 000 0000 00000 000000 000" :: text'],
  [fn('to_char', ['timestamp', '0044-03-15 01:02:03 BC'], ['text', 'FMx FM']), '"x " :: text'],
  [fn('to_char', ['timestamp', '0044-03-15 01:02:03 BC'], ['text', 'TMMonth TMDay TMMon|']), '"March Friday Mar|" :: text'],
  [fn('to_char', ['timestamp', '0044-03-15 01:02:03 BC'], ['text', 'mOn DAy hh24 yyyy']), '"mOn 6A4 01 0044" :: text'],
  [fn('to_char', ['timestamp', '0044-03-15 01:02:03 BC'], ['text', 'Ñ ü 😀 YYYY']), '"Ñ ü 😀 0044" :: text'],
  [fn('to_char', ['timestamp', '0044-03-15 01:02:03 BC'], ['text', 'YYYY-MM-DD']), '"0044-03-15" :: text'],
  [fn('to_char', ['timestamp', '0044-03-15 01:02:03 BC'], ['text', '']), 'null :: text'],
  [fn('to_char', ['timestamp', '0044-03-15 01:02:03 BC'], ['text', 'SP DDSP']), '"SP 15" :: text'],
  [fn('to_char', ['timestamp', '0044-03-15 01:02:03 BC'], ['text', 'FX']), '"" :: text'],
  [fn('to_char', ['timestamp', '0044-03-15 01:02:03 BC'], ['text', 'yyyy-mm-dd"T"hh24:mi:ss']), '"0044-03-15T01:02:03" :: text'],
  [fn('to_char', ['timestamp', '0044-03-15 01:02:03 BC'], ['text', 'Day, DD Month YYYY']), '"Friday   , 15 March     0044" :: text'],
  [fn('to_char', ['timestamp', '0044-03-15 01:02:03 BC'], ['text', 'Q"Q"YY']), '"1Q44" :: text'],
  [fn('to_char', ['timestamp', '0044-03-15 01:02:03 BC'], ['text', 'WW/W']), '"11/3" :: text'],
  [fn('to_char', ['timestamp', '0044-03-15 01:02:03 BC'], ['text', 'hh:mi am']), '"01:02 am" :: text'],
  [fn('to_char', ['timestamp', '0044-03-15 01:02:03 BC'], ['text', '"unterminated']), '"unterminated" :: text'],
  [fn('to_char', ['timestamp', '0044-03-15 01:02:03 BC'], ['text', '\\\\ \\YYYY']), '"\\\\\\\\ \\\\0044" :: text'],
  [fn('to_char', ['timestamp', '12345-11-22 11:00'], ['text', 'YYYY-MM-DD HH24:MI:SS.MS.US']), '"12345-11-22 11:00:00.000.000000" :: text'],
  [fn('to_char', ['timestamp', '12345-11-22 11:00'], ['text', 'HH12 HH am AM pm PM a.m. P.M.']), '"11 11 am AM am AM a.m. A.M." :: text'],
  [fn('to_char', ['timestamp', '12345-11-22 11:00'], ['text', 'Mon MON mon Month MONTH month|']), '"Nov NOV nov November  NOVEMBER  november |" :: text'],
  [fn('to_char', ['timestamp', '12345-11-22 11:00'], ['text', 'FMMonth|FMDay|Day|DY|Dy|dy|day|D']), '"November|Thursday|Thursday |THU|Thu|thu|thursday |5" :: text'],
  [fn('to_char', ['timestamp', '12345-11-22 11:00'], ['text', 'TZ tz TZH TZM OF FMOF']), '"  +00 00 +00 +0" :: text'],
  [fn('to_char', ['timestamp', '12345-11-22 11:00'], ['text', 'DDD IW IYYY Q WW W J CC']), '"326 47 12345 4 47 4 6230304 124" :: text'],
  [fn('to_char', ['timestamp', '12345-11-22 11:00'], ['text', 'FMDDD FMIW FMIYYY FMDD FMMM FMHH24 FMMI FMSS FMHH12 FMCC']), '"326 47 12345 22 11 11 0 0 11 124" :: text'],
  [fn('to_char', ['timestamp', '12345-11-22 11:00'], ['text', 'IYYY-IW-ID IDDD YYYY']), '"12345-47-4 326 12345" :: text'],
  [fn('to_char', ['timestamp', '12345-11-22 11:00'], ['text', '"Year" YYYY "is ""quoted"" \\"x\\"" \\"y\\"']), '"Year 12345 is quoted \\"x\\" \\"5\\"" :: text'],
  [fn('to_char', ['timestamp', '12345-11-22 11:00'], ['text', 'YY YYY Y Y,YYY IY IYY I']), '"45 345 5 12,345 45 345 5" :: text'],
  [fn('to_char', ['timestamp', '12345-11-22 11:00'], ['text', 'DDth DDTH FMDDth Mth HH24th SSSSth']), '"22nd 22ND 22nd Mth 11th 39600th" :: text'],
  [fn('to_char', ['timestamp', '12345-11-22 11:00'], ['text', 'YYYY BC AD bc b.c. A.D. ad a.d.']), '"12345 AD AD ad a.d. A.D. ad a.d." :: text'],
  [fn('to_char', ['timestamptz', '2024-03-05 14:07:09.123456+05'], ['text', 'YYYY-MM-DD HH24:MI:SS.MS.US']), '"2024-03-05 09:07:09.123.123456" :: text'],
  [fn('to_char', ['timestamptz', '2024-03-05 14:07:09.123456+05'], ['text', 'HH12 HH am AM pm PM a.m. P.M.']), '"09 09 am AM am AM a.m. A.M." :: text'],
  [fn('to_char', ['timestamptz', '2024-03-05 14:07:09.123456+05'], ['text', 'Mon MON mon Month MONTH month|']), '"Mar MAR mar March     MARCH     march    |" :: text'],
  [fn('to_char', ['timestamptz', '2024-03-05 14:07:09.123456+05'], ['text', 'FMMonth|FMDay|Day|DY|Dy|dy|day|D']), '"March|Tuesday|Tuesday  |TUE|Tue|tue|tuesday  |3" :: text'],
  [fn('to_char', ['timestamptz', '2024-03-05 14:07:09.123456+05'], ['text', 'TZ tz TZH TZM OF FMOF']), '"UTC utc +00 00 +00 +0" :: text'],
  [fn('to_char', ['timestamptz', '2024-03-05 14:07:09.123456+05'], ['text', 'DDD IW IYYY Q WW W J CC']), '"065 10 2024 1 10 1 2460375 21" :: text'],
  [fn('to_char', ['timestamptz', '2024-03-05 14:07:09.123456+05'], ['text', 'FMDDD FMIW FMIYYY FMDD FMMM FMHH24 FMMI FMSS FMHH12 FMCC']), '"65 10 2024 5 3 9 7 9 9 21" :: text'],
  [fn('to_char', ['timestamptz', '2024-03-05 14:07:09.123456+05'], ['text', 'IYYY-IW-ID IDDD YYYY']), '"2024-10-2 065 2024" :: text'],
  [fn('to_char', ['date', '2024-03-05'], ['text', 'YYYY-MM-DD']), '"2024-03-05" :: text'],
  [fn('to_char', ['date', '2024-03-05'], ['text', 'TZ Day DDth']), '"UTC Tuesday   05th" :: text'],
  [fn('to_char', ['date', '2024-03-05'], ['text', 'HH24:MI']), '"00:00" :: text'],
  [fn('to_char', ['timestamp', '2024-01-01'], ['text', 'DDth DDTH']), '"01st 01ST" :: text'],
  [fn('to_char', ['timestamp', '2024-01-02'], ['text', 'DDth DDTH']), '"02nd 02ND" :: text'],
  [fn('to_char', ['timestamp', '2024-01-03'], ['text', 'DDth DDTH']), '"03rd 03RD" :: text'],
  [fn('to_char', ['timestamp', '2024-01-04'], ['text', 'DDth DDTH']), '"04th 04TH" :: text'],
  [fn('to_char', ['timestamp', '2024-01-11'], ['text', 'DDth DDTH']), '"11th 11TH" :: text'],
  [fn('to_char', ['timestamp', '2024-01-12'], ['text', 'DDth DDTH']), '"12th 12TH" :: text'],
  [fn('to_char', ['timestamp', '2024-01-13'], ['text', 'DDth DDTH']), '"13th 13TH" :: text'],
  [fn('to_char', ['timestamp', '2024-01-21'], ['text', 'DDth DDTH']), '"21st 21ST" :: text'],
  [fn('to_char', ['timestamp', '2024-01-22'], ['text', 'DDth DDTH']), '"22nd 22ND" :: text'],
  [fn('to_char', ['timestamp', '2024-01-23'], ['text', 'DDth DDTH']), '"23rd 23RD" :: text'],
  [fn('to_char', ['timestamp', '2024-01-31'], ['text', 'DDth DDTH']), '"31st 31ST" :: text'],
  [fn('to_char', ['timestamp', '2024-01-01 00:30'], ['text', 'HH HH12 HH24 AM pm']), '"12 12 00 AM am" :: text'],
  [fn('to_char', ['timestamp', '2024-01-01 01:30'], ['text', 'HH HH12 HH24 AM pm']), '"01 01 01 AM am" :: text'],
  [fn('to_char', ['timestamp', '2024-01-01 11:30'], ['text', 'HH HH12 HH24 AM pm']), '"11 11 11 AM am" :: text'],
  [fn('to_char', ['timestamp', '2024-01-01 12:30'], ['text', 'HH HH12 HH24 AM pm']), '"12 12 12 PM pm" :: text'],
  [fn('to_char', ['timestamp', '2024-01-01 13:30'], ['text', 'HH HH12 HH24 AM pm']), '"01 01 13 PM pm" :: text'],
  [fn('to_char', ['timestamp', '2024-01-01 23:30'], ['text', 'HH HH12 HH24 AM pm']), '"11 11 23 PM pm" :: text'],
  [fn('to_char', ['timestamp', 'infinity'], ['text', 'YYYY']), 'null :: text'],
  [fn('to_char', ['date', '-infinity'], ['text', 'YYYY']), 'null :: text'],
];

/** make_date and make_interval. */
const makeFunctions: readonly Row[] = [
  [fn('make_date', ['int', '2024'], ['int', '2'], ['int', '29']), '"2024-02-29" :: date'],
  [fn('make_date', ['int', '2023'], ['int', '2'], ['int', '29']), 'ERROR 22008: date field value out of range: 2023-02-29'],
  [fn('make_date', ['int', '-44'], ['int', '3'], ['int', '15']), '"0044-03-15 BC" :: date'],
  [fn('make_date', ['int', '0'], ['int', '3'], ['int', '15']), 'ERROR 22008: date field value out of range: 0-03-15'],
  [fn('make_date', ['int', '-5'], ['int', '13'], ['int', '1']), 'ERROR 22008: date field value out of range: -4-13-01'],
  [fn('make_date', ['int', '5874898'], ['int', '1'], ['int', '1']), 'ERROR 22008: date out of range: 5874898-01-01'],
  [fn('make_date', ['int', '5874897'], ['int', '12'], ['int', '31']), '"5874897-12-31" :: date'],
  [fn('make_date', ['int', '-4714'], ['int', '11'], ['int', '24']), '"4714-11-24 BC" :: date'],
  [fn('make_date', ['int', '-4714'], ['int', '11'], ['int', '23']), 'ERROR 22008: date out of range: -4713-11-23'],
  [fn('make_date', ['int', '2024'], ['int', '-1'], ['int', '5']), 'ERROR 22008: date field value out of range: 2024--1-05'],
  [fn('make_date', ['int', '2024'], ['int', '4'], ['int', '31']), 'ERROR 22008: date field value out of range: 2024-04-31'],
  [fn('make_interval'), '"00:00:00" :: interval'],
  [fn('make_interval', ['int', '1']), '"1 year" :: interval'],
  [fn('make_interval', ['int', '1'], ['int', '2'], ['int', '3']), '"1 year 2 mons 21 days" :: interval'],
  [fn('make_interval', ['int', '1'], ['int', '2'], ['int', '3'], ['int', '4'], ['int', '5'], ['int', '6']), '"1 year 2 mons 25 days 05:06:00" :: interval'],
  [fn('make_interval', ['int', '2147483647'], ['int', '1']), '"-11 mons" :: interval'],
  [fn('make_interval', ['int', '0'], ['int', '0'], ['int', '0'], ['int', '0'], ['int', '2147483647'], ['int', '2147483647']), '"2183275041:07:00" :: interval'],
  [fn('make_interval', ['int', '-1'], ['int', '-2'], ['int', '-3'], ['int', '-4'], ['int', '-5'], ['int', '-6']), '"-1 years -2 mons -25 days -05:06:00" :: interval'],
  [fn('make_interval', ['int', '1'], ['int', '2'], ['int', '3'], ['int', '4'], ['int', '5'], ['int', '6'], ['float8', '7.5']), '"1 year 2 mons 25 days 05:06:07.5" :: interval'],
  [fn('make_interval', ['int', '1'], ['int', '2'], ['int', '3'], ['int', '4'], ['int', '5'], ['int', '6'], ['float8', '1.0000005']), '"1 year 2 mons 25 days 05:06:01.000001" :: interval'],
  [fn('make_interval', ['int', '1'], ['int', '2'], ['int', '3'], ['int', '4'], ['int', '5'], ['int', '6'], ['float8', '-1.5']), '"1 year 2 mons 25 days 05:05:58.5" :: interval'],
  [fn('make_interval', ['int', '1'], ['int', '2'], ['int', '3'], ['int', '4'], ['int', '5'], ['int', '6'], ['float8', 'NaN']), 'ERROR 22008: interval out of range'],
  [fn('make_interval', ['int', '1'], ['int', '2'], ['int', '3'], ['int', '4'], ['int', '5'], ['int', '6'], ['float8', 'Infinity']), 'ERROR 22008: interval out of range'],
  [fn('make_interval', ['int', '1'], ['int', '2'], ['int', '3'], ['int', '4'], ['int', '5'], ['int', '6'], ['float8', '1e13']), '"1 year 2 mons 25 days -2562047782:54:54.775808" :: interval'],
];

/** PostgreSQL dense_rank() OVER (ORDER BY x) of these intervals: equal totals share a rank. */
const intervalRanks: readonly (readonly [string, number])[] = [
  ['1 mon', 6],
  ['30 days', 6],
  ['720:00:00', 6],
  ['1 day', 4],
  ['24:00:00', 4],
  ['-1 mon', 1],
  ['-30 days', 1],
  ['1 mon -1 day', 5],
  ['29 days', 5],
  ['1 year', 7],
  ['12 mons', 7],
  ['360 days', 7],
  ['0', 2],
  ['00:00:00.000001', 3],
];

test('interval input and output', () => check(intervalInput));
test('interval input errors', () => check(intervalInputErrors));
test('interval typmods and casts', () => check(intervalTypmods));
test('interval arithmetic, comparison, justify_*', () => check(intervalArithmetic));
test('timestamp/date ± interval, timestamp - timestamp, unknown literals', () => check(datetimeArithmetic));
test('date_trunc', () => check(dateTrunc));
test('date_part', () => check(datePart));
test('extract (numeric)', () => check(extract));
test('to_char', () => check(toChar));
test('make_date, make_interval', () => check(makeFunctions));

test('interval value model: decodeText, outputText, renderText, renderJson, shape', () => {
  const v = decodeText('1 year 2 mons 3 days 04:05:06.789', T.interval);
  assert.ok(v instanceof PgInterval);
  assert.deepEqual([v.months, v.days, v.micros], [14, 3, 14706789000n]);
  assert.equal(outputText(v, T.interval), '1 year 2 mons 3 days 04:05:06.789');
  assert.equal(renderText(v, T.interval), '1 year 2 mons 3 days 04:05:06.789');
  assert.equal(renderJson(v, T.interval), '"1 year 2 mons 3 days 04:05:06.789"');
  assert.equal(renderJson(null, T.interval), 'null');
  checkValueShape(v, T.interval);
  assert.throws(() => checkValueShape('1 day', T.interval));
  // wire text of an interval[] column, and its output
  const ia = arrayOf(T.interval);
  const a = decodeText('{"1 day","-00:00:01",NULL}', ia);
  assert.equal(outputText(a as Datum, ia), '{"1 day",-00:00:01,NULL}');
  assert.equal(renderJson(a, ia), '["1 day", "-00:00:01", null]');
  assert.deepEqual(parseInterval('-1 days +02:00:00'), new PgInterval(0, -1, 7200000000n));
});

test('interval equality: GROUP BY / DISTINCT keys and ordering follow PostgreSQL (30-day months)', () => {
  const values = intervalRanks.map(([t]) => decodeText(t, T.interval));
  for (let i = 0; i < values.length; i++) {
    for (let j = 0; j < values.length; j++) {
      const [ti, ri] = intervalRanks[i] as readonly [string, number];
      const [tj, rj] = intervalRanks[j] as readonly [string, number];
      const a = values[i] as Datum;
      const b = values[j] as Datum;
      assert.equal(equalityKey([a], [T.interval]) === equalityKey([b], [T.interval]), ri === rj, `${ti} vs ${tj}`);
      assert.equal(Math.sign(compareDatums(a, b, T.interval)), Math.sign(ri - rj), `${ti} vs ${tj}`);
    }
  }
  // rowKey keeps the value as written (it is the output key, not the equality key)
  assert.notEqual(rowKey([decodeText('1 mon', T.interval)], [T.interval]), rowKey([decodeText('30 days', T.interval)], [T.interval]));
  assert.equal(rowKey([decodeText('1 mon', T.interval)], [T.interval]), '["1 mon"]');
});

test('interval in the type catalog', () => {
  const t = parseTypeName('interval');
  assert.equal(t.name, 'interval');
  assert.equal(t.oid, 1186);
  assert.equal(t.typmod, -1);
  assert.equal(t.display, 'interval');
  assert.equal(parseTypeName('INTERVAL').name, 'interval');
  assert.equal(parseTypeName('pg_catalog.interval').name, 'interval');
  // typmods and format_type, as pg_attribute shows them for columns of these types
  const typmods: [string, number, string][] = [
    ['interval(3)', 2147418115, 'interval(3)'],
    ['interval(9)', 2147418118, 'interval(6)'],
    ['interval year', 327679, 'interval year'],
    ['interval day to second', 470351871, 'interval day to second'],
    ['interval day to second(4)', 470286340, 'interval day to second(4)'],
    ['interval minute to second(5)', 402653189, 'interval minute to second(5)'],
    ['interval hour to minute', 201392127, 'interval hour to minute'],
  ];
  for (const [name, typmod, display] of typmods) {
    const p = parseTypeName(name);
    assert.equal(p.typmod, typmod, name);
    assert.equal(p.display, display, name);
    assert.equal(typeFromOid(1186, typmod).display, display, name);
  }
  assert.throws(() => parseTypeName('interval week'), SqlError);
  assert.throws(() => parseTypeName('interval day to year'), SqlError);
  assert.equal(typeFromOid(1186, -1).name, 'interval');
  const arr = typeFromOid(1187, -1);
  assert.equal(arr.name, 'array');
  assert.equal(arr.elem?.name, 'interval');
  assert.equal(parseTypeName('interval[]').oid, 1187);
  assert.equal(commonType([T.interval, T.unknown, T.interval], 'CASE').name, 'interval');
  assert.throws(() => commonType([T.interval, T.timestamp], 'CASE'), SqlError);
  assert.throws(() => resolveUnary('+', T.interval), SqlError);
});

test('time function signatures: argument and result types', () => {
  const sig = (name: string, ...args: SqlType[]): string => {
    const f = resolveFunction(name, args);
    return `(${f.args.map((a) => a.display).join(', ')}) -> ${f.result.display}`;
  };
  assert.equal(sig('date_trunc', T.text, T.timestamp), '(text, timestamp without time zone) -> timestamp without time zone');
  assert.equal(sig('date_trunc', T.text, T.timestamptz), '(text, timestamp with time zone) -> timestamp with time zone');
  assert.equal(sig('date_trunc', T.text, T.date), '(text, timestamp with time zone) -> timestamp with time zone');
  assert.equal(sig('date_trunc', T.text, T.interval), '(text, interval) -> interval');
  assert.equal(sig('DATE_PART', T.varchar, T.date), '(text, timestamp without time zone) -> double precision');
  assert.equal(sig('date_part', T.text, T.interval), '(text, interval) -> double precision');
  assert.equal(sig('extract', T.text, T.date), '(text, date) -> numeric');
  assert.equal(sig('extract', T.text, T.timestamptz), '(text, timestamp with time zone) -> numeric');
  assert.equal(sig('to_char', T.date, T.text), '(timestamp with time zone, text) -> text');
  assert.equal(sig('to_char', T.timestamp, T.text), '(timestamp without time zone, text) -> text');
  assert.equal(sig('make_interval', T.int4, T.int4), '(integer, integer) -> interval');
  assert.equal(sig('make_interval', T.int4, T.int4, T.int4, T.int4, T.int4, T.int4, T.numeric), '(integer, integer, integer, integer, integer, integer, double precision) -> interval');
  assert.equal(sig('justify_interval', T.interval), '(interval) -> interval');
  for (const [name, args] of [
    ['date_trunc', [T.text, T.text]],
    ['date_trunc', [T.text, T.int4]],
    ['date_part', [T.text]],
    ['extract', [T.int4, T.timestamp]],
    ['to_char', [T.interval, T.text]],
    ['age', [T.timestamp]],
    ['age', [T.timestamp, T.timestamp]],
  ] as const) {
    assert.throws(() => resolveFunction(name, args), SqlError, name);
  }
  assert.equal(resolveBinary('-', T.timestamp, T.timestamptz).result.name, 'interval');
  assert.equal(resolveBinary('-', T.timestamp, T.timestamptz).left.name, 'timestamptz');
  assert.equal(resolveBinary('+', T.date, T.interval).result.name, 'timestamp');
  assert.equal(resolveBinary('*', T.interval, T.numeric).right.name, 'float8');
  assert.equal(resolveBinary('<', T.interval, T.unknown).right.name, 'interval');
});
