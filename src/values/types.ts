/**
 * The value model shared by every module: how a PostgreSQL datum lives in
 * memory between the wire and the JSON we emit. Exactness rules:
 * int8 is a bigint, numeric is a Decimal, timestamps keep microseconds,
 * json keeps its text. Never a JS float for int8/numeric.
 */
import type { Decimal } from './decimal.ts';

/** The SQL types deltaview understands natively; anything else is 'other' (kept as its text form). */
export type TypeName =
  | 'bool'
  | 'int2'
  | 'int4'
  | 'int8'
  | 'numeric'
  | 'float4'
  | 'float8'
  | 'text'
  | 'varchar'
  | 'bpchar'
  | 'name'
  | 'uuid'
  | 'date'
  | 'timestamp'
  | 'timestamptz'
  | 'interval'
  | 'json'
  | 'jsonb'
  | 'array'
  | 'unknown' // an untyped string literal, before coercion
  | 'other'; // any other type: value is its PostgreSQL text output, rendered as a JSON string

/** A resolved SQL type. `typmod` is PostgreSQL's atttypmod (-1 when none). */
export interface SqlType {
  readonly name: TypeName;
  /** PostgreSQL type OID (0 for 'unknown'). */
  readonly oid: number;
  readonly typmod: number;
  /** Element type, for name === 'array'. */
  readonly elem?: SqlType;
  /** PostgreSQL's own name of the type, e.g. 'integer', 'interval', 'numeric(10,2)'. */
  readonly display: string;
}

/** timestamp / timestamptz: microseconds since 1970-01-01 00:00:00 UTC, or ±infinity. */
export class Timestamp {
  constructor(
    /** epoch microseconds (UTC for timestamptz; wall-clock as if UTC for timestamp). */
    readonly micros: bigint,
    readonly infinity: 0 | 1 | -1 = 0,
  ) {}
}

/** date: days since 1970-01-01, or ±infinity. */
export class PgDate {
  constructor(
    readonly days: number,
    readonly infinity: 0 | 1 | -1 = 0,
  ) {}
}

/**
 * interval: PostgreSQL's three independent fields (months and days are
 * int32, micros is int64). '1 mon' and '30 days' are different values that
 * compare equal (comparison uses 30-day months and 24-hour days).
 */
export class PgInterval {
  constructor(
    readonly months: number,
    readonly days: number,
    readonly micros: bigint,
  ) {}
}

/** json / jsonb: the canonical jsonb text (what to_jsonb would print), embedded verbatim in output JSON. */
export class Json {
  constructor(readonly text: string) {}
}

/** A PostgreSQL array (possibly multi-dimensional: elements may be nested PgArrays). */
export class PgArray {
  constructor(readonly elements: readonly Value[]) {}
}

/**
 * One datum. Which JS shape a value has is decided by its SqlType:
 *  bool → boolean; int2/int4 → number (integer); int8 → bigint;
 *  numeric → Decimal; float4/float8 → number (may be NaN/±Infinity);
 *  text/varchar/bpchar/name/uuid/other/unknown → string;
 *  date → PgDate; timestamp/timestamptz → Timestamp; interval → PgInterval;
 *  json/jsonb → Json; array → PgArray.
 */
export type Value = null | boolean | number | bigint | string | Decimal | Timestamp | PgDate | PgInterval | Json | PgArray;

/** A non-null value. */
export type Datum = Exclude<Value, null>;

/** A row: values in column order. */
export type Row = readonly Value[];
