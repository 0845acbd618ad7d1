/**
 * src/values — the value model and PostgreSQL-exact value semantics.
 *
 * - types.ts: Value model (Value, Datum, Row, SqlType, TypeName, Timestamp, PgDate, PgInterval, Json, PgArray).
 * - decimal.ts: Decimal — exact numeric (unscaled bigint + display scale, NaN, ±Infinity),
 *   PostgreSQL result scales (mul: s1+s2, add: max, div: select_div_scale), half-away rounding.
 * - sql-types.ts: T constants, typeFromOid, parseTypeName, arrayOf.
 * - codec.ts: decodeText (PG text → Value), renderJson (to_jsonb text), renderText (::text),
 *   outputText (output function), renderRow, rowKey, equalityKey, canonicalJson.
 * - interval.ts: interval input/output, comparison, arithmetic, justify_*, typmods.
 * - timestamp-arith.ts: timestamp ± interval, timestamp - timestamp, ISO weeks, make_date.
 * - time-fields.ts: date_trunc, date_part (float8), extract (numeric); time-units.ts: unit keywords.
 * - to-char.ts: to_char for timestamps.
 * - operators.ts: resolveBinary, resolveUnary, compareDatums, commonType, and re-exports of
 *   resolveCast (casts.ts), resolveFunction (functions.ts), likeMatcher (like.ts),
 *   setCaseMapping (case-mapping.ts).
 *
 * Runtime evaluation errors are SqlRuntimeError with PostgreSQL's SQLSTATE and message;
 * resolution failures are SqlError('unsupported').
 */
export { Json, PgArray, PgDate, PgInterval, Timestamp } from './types.ts';
export type { Datum, Row, SqlType, TypeName, Value } from './types.ts';
export { Decimal } from './decimal.ts';
export { T, arrayOf, numericTypmod, parseTypeName, sameBaseType, typeFromOid, withoutTypmod } from './sql-types.ts';
export {
  canonicalJson,
  checkValueShape,
  decodeText,
  equalityKey,
  outputText,
  renderJson,
  renderRow,
  renderText,
  rowKey,
} from './codec.ts';
export { escapeJsonString, compareCodePoints } from './json.ts';
export { dateText, parseDate, parseTimestamp, timestampText, daysFromCivil, civilFromDays } from './datetime.ts';
export {
  applyIntervalTypmod,
  compareIntervals,
  intervalAdd,
  intervalCmpValue,
  intervalDiv,
  intervalMul,
  intervalNeg,
  intervalText,
  justifyDays,
  justifyHours,
  justifyInterval,
  makeInterval,
  parseInterval,
} from './interval.ts';
export {
  dateMinusInterval,
  datePlusInterval,
  makeDate,
  timestampDiff,
  timestampMinusInterval,
  timestampPlusInterval,
} from './timestamp-arith.ts';
export { dateTruncInterval, dateTruncTimestamp, datePartFloat, extractNumeric, type TimeKind } from './time-fields.ts';
export { toChar } from './to-char.ts';
export { float4Text, float8Text } from './float-format.ts';
export {
  commonType,
  compareDatums,
  resolveBinary,
  resolveUnary,
  type BinaryOp,
  type ResolvedBinary,
  type ResolvedUnary,
} from './operators.ts';
export { resolveCast, type CastFn } from './casts.ts';
export { resolveFunction, type ResolvedFunction } from './functions.ts';
export { likeMatcher } from './like.ts';
export { setCaseMapping, lowerText, upperText } from './case-mapping.ts';
export { jsonbArrayLength, jsonbBuildObject, jsonbContains, jsonbExists, jsonbGet, jsonbPath } from './jsonb-ops.ts';
export { UnsupportedRegex, compileRegex, regexMatches, regexpMatch, regexpReplace } from './regex.ts';
