/**
 * pgoutput row messages (insert, update, delete) read straight from the replication buffer into
 * deltaview rows, in place of pg-logical-replication's tuple objects: a relation no view reads is
 * skipped before any of its values is read, and of the others only the columns some view reads
 * are decoded (the rest are NULL in the row). Every other message goes to the library's parser.
 * Message layout: https://www.postgresql.org/docs/current/protocol-logicalrep-message-formats.html
 */
import { PgoutputPlugin } from 'pg-logical-replication';
import type { Pgoutput } from 'pg-logical-replication';
import { SqlRuntimeError } from '../../errors.ts';
import { decodeText } from '../../values/index.ts';
import type { Row, SqlType } from '../../values/types.ts';
import type { PoisonedValue } from '../types.ts';

/** A decoded tuple and the values in it that could not be decoded. */
export interface Decoded {
  readonly row: Row;
  readonly poisoned?: readonly PoisonedValue[];
}

/**
 * A row message of a relation deltaview knows. `old` is the old row of an update or delete
 * (null when the source did not send it whole: replica identity not FULL); a decoded tuple is
 * null when a column a view reads holds an unchanged TOAST value the source did not send.
 * `skipped`: no view reads the relation, nothing was decoded.
 */
export type RowMessage =
  | { readonly tag: 'rows'; readonly skipped: true; readonly relationOid: number }
  | {
      readonly tag: 'rows';
      readonly skipped: false;
      readonly op: 'insert' | 'update' | 'delete';
      readonly relationOid: number;
      readonly old: Decoded | null;
      readonly new: Decoded | null;
    };

/** How one relation's tuples are read: its column types and which of them some view reads. */
export class TupleReader {
  constructor(
    private readonly types: readonly SqlType[],
    /** Per column, whether some view reads it; null when no view reads the relation. */
    readonly wanted: readonly boolean[] | null,
  ) {}

  /**
   * Reads the tuple at `at` ('n', 'u' or 't' per column); `fallback` fills unchanged TOAST values.
   * A value that cannot be decoded (a json text jsonb cannot hold, …) is NULL in the row and
   * reported with it: only the views that read that column fail; the stream goes on.
   */
  read(buf: Buffer, at: number, fallback: Row | null): { decoded: Decoded | null; end: number } {
    const wanted = this.wanted!;
    const n = buf.readUInt16BE(at);
    at += 2;
    const row = new Array<Row[number]>(this.types.length).fill(null);
    let poisoned: PoisonedValue[] | undefined;
    let missing = false;
    for (let i = 0; i < n; i++) {
      const kind = buf[at++];
      if (kind === 0x6e /* n: null */) continue;
      if (kind === 0x75 /* u: unchanged TOAST value, not sent */) {
        if (i < wanted.length && wanted[i]) {
          if (fallback === null) missing = true;
          else row[i] = fallback[i] ?? null;
        }
        continue;
      }
      if (kind !== 0x74 /* t: text */ && kind !== 0x62 /* b: binary */) throw new Error(`unknown pgoutput attribute kind ${String.fromCharCode(kind ?? 0)}`);
      const len = buf.readUInt32BE(at);
      at += 4;
      if (i < wanted.length && wanted[i] && kind === 0x74) {
        try {
          row[i] = decodeText(buf.toString('utf8', at, at + len), this.types[i]!);
        } catch (err) {
          if (!(err instanceof SqlRuntimeError)) throw err;
          (poisoned ??= []).push({ index: i, message: err.message });
        }
      }
      at += len;
    }
    const decoded = missing ? null : poisoned === undefined ? { row: row as Row } : { row: row as Row, poisoned };
    return { decoded, end: at };
  }
}

/**
 * The pgoutput plugin with deltaview's row messages: `readerFor` gives the reader of a relation
 * (undefined when its Relation message has not been seen: the library's parser takes those).
 */
export class RowsPlugin extends PgoutputPlugin {
  constructor(
    options: ConstructorParameters<typeof PgoutputPlugin>[0],
    private readonly readerFor: (relationOid: number) => TupleReader | undefined,
  ) {
    super(options);
  }

  override parse(buf: Buffer): Pgoutput.Message {
    const tag = buf[0];
    if (tag !== 0x49 /* I */ && tag !== 0x55 /* U */ && tag !== 0x44 /* D */) return super.parse(buf);
    // the library reads OIDs as signed 32-bit integers; so do we, to name relations as it does
    const relationOid = buf.readInt32BE(1);
    const reader = this.readerFor(relationOid);
    if (reader === undefined) return super.parse(buf);
    if (reader.wanted === null) return { tag: 'rows', skipped: true, relationOid } as RowMessage as unknown as Pgoutput.Message;
    let at = 5;
    const sub = buf[at++];
    let old: Decoded | null = null;
    let next: Decoded | null = null;
    let op: 'insert' | 'update' | 'delete';
    if (tag === 0x49) {
      op = 'insert';
      next = reader.read(buf, at, null).decoded; // sub is 'N'
    } else {
      op = tag === 0x55 ? 'update' : 'delete';
      if (sub === 0x4f /* O: the whole old row */) {
        const r = reader.read(buf, at, null);
        old = r.decoded;
        at = r.end;
        if (op === 'update') next = reader.read(buf, at + 1, old?.row ?? null).decoded; // + 'N'
      } else if (sub === 0x4b /* K: key columns only */) {
        if (op === 'update') next = reader.read(buf, reader.read(buf, at, null).end + 1, null).decoded;
      } else if (sub === 0x4e /* N: new row, no old one */) {
        next = reader.read(buf, at, null).decoded;
      } else throw new Error(`unknown pgoutput submessage ${String.fromCharCode(sub ?? 0)}`);
    }
    return { tag: 'rows', skipped: false, op, relationOid, old, new: next } as RowMessage as unknown as Pgoutput.Message;
  }
}
