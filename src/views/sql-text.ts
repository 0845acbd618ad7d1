/**
 * Text-level handling of a CREATE MATERIALIZED VIEW statement, before
 * node-sql-parser sees it: a small PostgreSQL lexer, peeling of the
 * statement head (which node-sql-parser cannot parse), folding of unquoted
 * identifiers to lower case (PostgreSQL's rule; the parser keeps their case),
 * and rewriting of SQL-syntax calls the parser lacks
 * (`substring(s FROM i FOR n)` → `substring(s, i, n)`). Every rewrite keeps a
 * map back to the original offsets so parse errors point into the user's text.
 */
import { SqlError } from '../errors.ts';

/** One lexical token of PostgreSQL SQL. Offsets are into the scanned text. */
export interface Token {
  readonly kind: 'word' | 'quoted' | 'string' | 'number' | 'punct' | 'space' | 'comment';
  readonly start: number;
  readonly end: number;
}

/** Splits SQL into tokens. Never throws: an unterminated quote or comment runs to the end. */
export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = sql.length;
  const push = (kind: Token['kind'], start: number, end: number): void => {
    out.push({ kind, start, end });
  };
  while (i < n) {
    const c = sql[i]!;
    const start = i;
    if (/\s/.test(c)) {
      while (i < n && /\s/.test(sql[i]!)) i++;
      push('space', start, i);
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < n && sql[i] !== '\n') i++;
      push('comment', start, i);
    } else if (c === '/' && sql[i + 1] === '*') {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (sql[i] === '/' && sql[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (sql[i] === '*' && sql[i + 1] === '/') {
          depth--;
          i += 2;
        } else i++;
      }
      push('comment', start, i);
    } else if (c === "'") {
      const prev = out[out.length - 1];
      const escapes = prev?.kind === 'word' && prev.end === start && /^[eE]$/.test(sql.slice(prev.start, prev.end));
      i++;
      while (i < n) {
        if (escapes && sql[i] === '\\') i += 2;
        else if (sql[i] === "'" && sql[i + 1] === "'") i += 2;
        else if (sql[i] === "'") {
          i++;
          break;
        } else i++;
      }
      push('string', start, i);
    } else if (c === '"') {
      i++;
      while (i < n) {
        if (sql[i] === '"' && sql[i + 1] === '"') i += 2;
        else if (sql[i] === '"') {
          i++;
          break;
        } else i++;
      }
      push('quoted', start, i);
    } else if (c === '$' && /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.test(sql.slice(i))) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i))![0];
      const close = sql.indexOf(tag, i + tag.length);
      i = close < 0 ? n : close + tag.length;
      push('string', start, i);
    } else if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      while (i < n && /[A-Za-z0-9_$\u0080-\uffff]/.test(sql[i]!)) i++;
      push('word', start, i);
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      while (i < n && /[0-9.]/.test(sql[i]!)) i++;
      if (/[eE]/.test(sql[i] ?? '') && /^[eE][+-]?[0-9]/.test(sql.slice(i))) {
        i++;
        if (sql[i] === '+' || sql[i] === '-') i++;
        while (i < n && /[0-9]/.test(sql[i]!)) i++;
      }
      push('number', start, i);
    } else {
      i++;
      push('punct', start, i);
    }
  }
  return out;
}

/**
 * The statements of a SQL script (a file of CREATE MATERIALIZED VIEW ...;), split at the
 * semicolons outside strings, quoted names and comments; empty ones dropped. Each keeps the
 * offset it starts at in the script, so an error inside it can be placed in the file.
 */
export function splitStatements(script: string): { readonly text: string; readonly offset: number }[] {
  const out: { text: string; offset: number }[] = [];
  let start = 0;
  const flush = (end: number) => {
    const piece = script.slice(start, end);
    const lead = piece.length - piece.trimStart().length;
    if (tokenize(piece).some((t) => t.kind !== 'space' && t.kind !== 'comment')) out.push({ text: piece.trim(), offset: start + lead });
  };
  for (const t of tokenize(script)) {
    if (t.kind === 'punct' && script[t.start] === ';') {
      flush(t.start);
      start = t.end;
    }
  }
  flush(script.length);
  return out;
}

/** 1-based line and column of an offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let col = 1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      col = 1;
    } else col++;
  }
  return { line, column: col };
}

/** A parse error at an offset of the original statement, PostgreSQL style. */
export function syntaxErrorAt(sql: string, offset: number, detail?: string): SqlError {
  const { line, column } = lineColumn(sql, offset);
  const tok = tokenize(sql.slice(offset)).find((t) => t.kind !== 'space' && t.kind !== 'comment');
  const near = tok === undefined ? 'at end of input' : `at or near "${sql.slice(offset + tok.start, offset + tok.end)}"`;
  return new SqlError('parse_error', `syntax error ${near} (line ${line}, column ${column})${detail ? `: ${detail}` : ''}`);
}

/**
 * Where the words of `near` (an SqlError's hint, e.g. 'group by rollup' or
 * 'now (') first occur in `sql` as tokens, outside strings and comments;
 * undefined when they do not. Words match identifiers as PostgreSQL folds them.
 */
export function locate(sql: string, near: string): number | undefined {
  const want = near.split(/\s+/).filter((w) => w !== '');
  if (want.length === 0) return undefined;
  const toks = tokenize(sql).filter((t) => t.kind !== 'space' && t.kind !== 'comment');
  const matches = (t: Token, w: string): boolean => {
    if (t.kind === 'quoted') return sql.slice(t.start + 1, t.end - 1).replace(/""/g, '"') === w;
    return sql.slice(t.start, t.end).toLowerCase() === w.toLowerCase();
  };
  for (let i = 0; i + want.length <= toks.length; i++) {
    if (want.every((w, j) => matches(toks[i + j]!, w))) return toks[i]!.start;
  }
  return undefined;
}

/** `err` with "(line L, column C)" of its `near` hint in `sql` added to its message, when it has one that occurs there. */
export function withPosition(err: unknown, sql: string): unknown {
  if (!(err instanceof SqlError) || err.near === undefined || /\(line \d+, column \d+\)/.test(err.message)) return err;
  const at = locate(sql, err.near);
  if (at === undefined) return err;
  const { line, column } = lineColumn(sql, at);
  return new SqlError(err.code, `${err.message} (line ${line}, column ${column})`);
}

/**
 * `err` from compiling a statement that wraps a user's text after a prefix of `prefixLength`
 * characters on its first line (a query, a filter): its "(line L, column C)" given in the user's
 * text, worded by `say`.
 */
export function positionInText(err: unknown, prefixLength: number, say = (line: number, column: number) => `(line ${line}, column ${column})`): unknown {
  if (!(err instanceof SqlError)) return err;
  const message = err.message.replace(/\(line (\d+), column (\d+)\)/, (_m, l: string, c: string) => say(Number(l), Number(l) === 1 ? Math.max(1, Number(c) - prefixLength) : Number(c)));
  return message === err.message ? err : new SqlError(err.code, message);
}

/** The value of an identifier token: unquoted words fold ASCII letters to lower case, quoted ones keep case. */
export function identifierValue(sql: string, tok: Token): string {
  const text = sql.slice(tok.start, tok.end);
  if (tok.kind === 'quoted') {
    const inner = text.slice(1, text.endsWith('"') && text.length > 1 ? -1 : undefined).replace(/""/g, '"');
    if (inner === '') throw syntaxErrorAt(sql, tok.start, 'zero-length delimited identifier');
    return inner;
  }
  return foldIdentifier(text);
}

/** PostgreSQL's downcase_identifier for an unquoted name: ASCII letters only. */
export function foldIdentifier(text: string): string {
  return text.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/** The parts of a CREATE MATERIALIZED VIEW statement. */
export interface ViewStatement {
  /** The view name, folded unless quoted. */
  readonly name: string;
  /** Column names given as `CREATE MATERIALIZED VIEW v (a, b) AS ...`, or null. */
  readonly columnNames: readonly string[] | null;
  /** Offset in the statement where the SELECT starts. */
  readonly selectStart: number;
  /** The SELECT text as written (trailing `;` and whitespace removed). */
  readonly selectText: string;
}

/**
 * Peels `CREATE MATERIALIZED VIEW <name> [(col, ...)] AS` off a statement.
 * Throws SqlError('parse_error') when the head is malformed and
 * SqlError('unsupported') for valid PostgreSQL options we do not implement.
 */
export function peelCreateView(sql: string): ViewStatement {
  const toks = tokenize(sql).filter((t) => t.kind !== 'space' && t.kind !== 'comment');
  let p = 0;
  const text = (t: Token): string => sql.slice(t.start, t.end);
  const word = (t: Token | undefined): string | undefined => (t?.kind === 'word' ? text(t).toLowerCase() : undefined);
  const expectWord = (w: string): void => {
    const t = toks[p];
    if (word(t) !== w) {
      throw syntaxErrorAt(sql, t?.start ?? sql.length, 'expected CREATE MATERIALIZED VIEW <name> AS <select>');
    }
    p++;
  };
  expectWord('create');
  if (word(toks[p]) === 'or') throw new SqlError('unsupported', 'unsupported: CREATE OR REPLACE');
  expectWord('materialized');
  expectWord('view');
  if (word(toks[p]) === 'if') throw new SqlError('unsupported', 'unsupported: IF NOT EXISTS');
  const nameTok = toks[p];
  if (nameTok === undefined || (nameTok.kind !== 'word' && nameTok.kind !== 'quoted')) {
    throw syntaxErrorAt(sql, nameTok?.start ?? sql.length, 'expected a view name');
  }
  const name = identifierValue(sql, nameTok);
  p++;
  if (toks[p]?.kind === 'punct' && text(toks[p]!) === '.') {
    throw new SqlError('unsupported', 'unsupported: schema-qualified view name');
  }
  let columnNames: string[] | null = null;
  if (toks[p]?.kind === 'punct' && text(toks[p]!) === '(') {
    p++;
    columnNames = [];
    for (;;) {
      const t = toks[p];
      if (t === undefined || (t.kind !== 'word' && t.kind !== 'quoted')) {
        throw syntaxErrorAt(sql, t?.start ?? sql.length, 'expected a column name');
      }
      columnNames.push(identifierValue(sql, t));
      p++;
      const sep = toks[p];
      if (sep?.kind === 'punct' && text(sep) === ',') {
        p++;
        continue;
      }
      if (sep?.kind === 'punct' && text(sep) === ')') {
        p++;
        break;
      }
      throw syntaxErrorAt(sql, sep?.start ?? sql.length);
    }
  }
  const w = word(toks[p]);
  if (w === 'with' || w === 'using' || w === 'tablespace') {
    throw new SqlError('unsupported', `unsupported: ${w.toUpperCase()} clause of CREATE MATERIALIZED VIEW`);
  }
  expectWord('as');
  const selectTok = toks[p];
  if (selectTok === undefined) throw syntaxErrorAt(sql, sql.length, 'expected a SELECT');
  // Drop trailing semicolons (and the whitespace/comments around them).
  let last = toks.length - 1;
  while (last >= p && toks[last]!.kind === 'punct' && text(toks[last]!) === ';') last--;
  if (last < p) throw syntaxErrorAt(sql, selectTok.start, 'expected a SELECT');
  const selectText = sql.slice(selectTok.start, toks[last]!.end);
  return { name, columnNames, selectStart: selectTok.start, selectText };
}

/** Text prepared for node-sql-parser, with a map from its offsets back to the original ones. */
export interface ParserText {
  readonly text: string;
  /**
   * Cast target types as written (normalised: unquoted words folded, single
   * spaces), indexed by the placeholder `varchar(<index>)` that replaced them
   * in `text` (node-sql-parser knows only a fixed list of types and loses
   * some of them, e.g. char(3) becomes varchar(3)).
   */
  readonly castTypes: readonly string[];
  /**
   * For each INTERSECT and EXCEPT in the text, in order: whether ALL followed it (node-sql-parser
   * cannot parse INTERSECT ALL / EXCEPT ALL, so the ALL is removed from `text`).
   */
  readonly setOpAll: readonly boolean[];
  /** The text itself uses the jsonb operators ?| or ?& (which stand for IS [NOT] DISTINCT FROM after preparation). */
  readonly usesAnyAll: boolean;
  /** Maps an offset in `text` to the offset in the text it was prepared from. */
  toOriginal(offset: number): number;
}

interface Piece {
  readonly text: string;
  readonly origStart: number;
  /** True when `text` has the same length and positions as the original slice. */
  readonly aligned: boolean;
}

/** A function name the converter treats as plain parentheses (see the NOT rewrite). */
export const PAREN_MARKER = '__deltaview_paren';

/** Prefix of the string literal that marks a rewritten bool_and/bool_or/every call (see prepareForParser). */
export const AGG_MARKER = '__deltaview_agg:';

const MULTIWORD_SECOND: Record<string, string> = {
  double: 'precision',
  character: 'varying',
  char: 'varying',
  bit: 'varying',
};

/**
 * Prepares a SELECT for node-sql-parser: folds unquoted identifiers and
 * keywords to lower case, rewrites `substring(x FROM a FOR b)` into the
 * comma form, and replaces cast target types by indexed placeholders.
 * Strings, quoted identifiers and comments are left alone.
 */
export function prepareForParser(select: string): ParserText {
  const toks = tokenize(select);
  // Significant tokens, with their index in `toks`.
  const sig = toks.map((t, i) => ({ t, i })).filter(({ t }) => t.kind !== 'space' && t.kind !== 'comment');
  const replace = new Map<number, string>(); // token index → replacement text
  const tokText = (t: Token): string => select.slice(t.start, t.end);
  const isP = (k: number, p: string): boolean => sig[k]?.t.kind === 'punct' && tokText(sig[k]!.t) === p;
  const wordAt = (k: number): string | undefined => (sig[k]?.t.kind === 'word' ? foldIdentifier(tokText(sig[k]!.t)) : undefined);
  const matching = (open: number, o: string, c: string): number => {
    let depth = 0;
    for (let k = open; k < sig.length; k++) {
      if (isP(k, o)) depth++;
      else if (isP(k, c) && --depth === 0) return k;
    }
    return -1;
  };
  const castTypes: string[] = [];
  /** Replaces significant tokens [from, to) by a cast-type placeholder. */
  const replaceType = (from: number, to: number): void => {
    let text = '';
    for (let k = from; k < to; k++) {
      const t = sig[k]!.t;
      const piece = t.kind === 'quoted' ? identifierValue(select, t) : t.kind === 'word' ? foldIdentifier(tokText(t)) : tokText(t);
      if ((t.kind === 'word' || t.kind === 'quoted') && /[\w)\]]$/.test(text)) text += ' ';
      text += piece;
    }
    replace.set(sig[from]!.i, `varchar(${castTypes.length})`);
    for (let k = from + 1; k < to; k++) {
      for (let i = sig[k - 1]!.i + 1; i <= sig[k]!.i; i++) replace.set(i, '');
    }
    castTypes.push(text.replace(/^pg_catalog\./, ''));
  };
  /** The end (exclusive) of a type name starting at significant token k, or -1. */
  const scanType = (k: number): number => {
    const first = sig[k]?.t;
    if (first === undefined || (first.kind !== 'word' && first.kind !== 'quoted')) return -1;
    let j = k + 1;
    while (isP(j, '.') && (sig[j + 1]?.t.kind === 'word' || sig[j + 1]?.t.kind === 'quoted')) j += 2;
    const base = wordAt(j - 1) ?? '';
    const second = MULTIWORD_SECOND[base];
    if (second !== undefined && wordAt(j) === second) j++;
    if (isP(j, '(')) {
      const close = matching(j, '(', ')');
      if (close < 0) return -1;
      j = close + 1;
    }
    if ((base === 'timestamp' || base === 'time') && (wordAt(j) === 'with' || wordAt(j) === 'without')) {
      if (wordAt(j + 1) === 'time' && wordAt(j + 2) === 'zone') j += 3;
    }
    while (isP(j, '[')) {
      const close = matching(j, '[', ']');
      if (close < 0) return -1;
      j = close + 1;
    }
    return j;
  };

  const setOpAll: boolean[] = [];
  let usesAnyAll = false;
  for (let s = 0; s < sig.length; s++) {
    const { t } = sig[s]!;
    const w = wordAt(s);
    if (w === 'is') {
      // IS [NOT] DISTINCT FROM, which node-sql-parser garbles, becomes the operator ?& (?| with NOT);
      // the converter turns it back and refuses it where the parser's precedence could differ
      const not = wordAt(s + 1) === 'not';
      const d = s + (not ? 2 : 1);
      if (wordAt(d) === 'distinct' && wordAt(d + 1) === 'from') {
        replace.set(sig[s]!.i, not ? ' ?| ' : ' ?& ');
        for (let k = s + 1; k <= d + 1; k++) {
          for (let i = sig[k - 1]!.i + 1; i <= sig[k]!.i; i++) replace.set(i, '');
        }
        s = d + 1;
        continue;
      }
    }
    if (t.kind === 'punct' && tokText(t) === '?' && (isP(s + 1, '&') || isP(s + 1, '|')) && sig[s + 1]!.t.start === t.end) usesAnyAll = true;
    if (w === 'intersect' || w === 'except') {
      const all = wordAt(s + 1) === 'all';
      setOpAll.push(all);
      if (all) replace.set(sig[s + 1]!.i, '');
      continue;
    }
    // expr::type
    if (isP(s, ':') && isP(s + 1, ':') && sig[s + 1]!.t.start === t.end) {
      const end = scanType(s + 2);
      if (end > s + 2) {
        replaceType(s + 2, end);
        s = end - 1;
      }
      continue;
    }
    if (t.kind !== 'word' || !isP(s + 1, '(')) continue;
    const fn = foldIdentifier(tokText(t));
    if (fn === 'not' && wordAt(s - 1) !== 'is') {
      // node-sql-parser reads `NOT (x) = y` as a call not(x) compared to y; PostgreSQL
      // reads NOT (x = y). A marker function (dropped by the converter) restores that.
      replace.set(sig[s]!.i, `not ${PAREN_MARKER}`);
      continue;
    }
    if (fn === 'cast') {
      // CAST(expr AS type): the type runs from the last top-level AS to the closing parenthesis.
      const close = matching(s + 1, '(', ')');
      if (close < 0) continue;
      let asIdx = -1;
      let depth = 0;
      for (let k = s + 1; k < close; k++) {
        if (isP(k, '(') || isP(k, '[')) depth++;
        else if (isP(k, ')') || isP(k, ']')) depth--;
        else if (depth === 1 && wordAt(k) === 'as') asIdx = k;
      }
      if (asIdx >= 0 && scanType(asIdx + 1) === close) replaceType(asIdx + 1, close);
      continue;
    }
    if ((fn === 'bool_and' || fn === 'bool_or' || fn === 'every') && !['distinct', 'all'].includes(wordAt(s + 2) ?? '')) {
      // node-sql-parser accepts FILTER (WHERE …) only after the aggregates it knows by name.
      // bool_and(x) → string_agg((x), '<marker>bool_and'), which the converter turns back.
      const close = matching(s + 1, '(', ')');
      if (close < 0) continue;
      replace.set(sig[s]!.i, 'string_agg');
      replace.set(sig[s + 1]!.i, '((');
      replace.set(sig[close]!.i, `), '${AGG_MARKER}${fn}')`);
      continue;
    }
    if (fn !== 'substring') continue;
    // substring(x FROM a FOR b) → substring(x, a, b); substring(x FOR b) → substring(x, 1, b)
    const close = matching(s + 1, '(', ')');
    if (close < 0) continue;
    let fromIdx = -1;
    let forIdx = -1;
    let depth = 0;
    for (let k = s + 1; k < close; k++) {
      if (isP(k, '(')) depth++;
      else if (isP(k, ')')) depth--;
      else if (depth === 1) {
        const w = wordAt(k);
        if (w === 'from' && fromIdx < 0) fromIdx = k;
        else if (w === 'for' && forIdx < 0) forIdx = k;
      }
    }
    if (fromIdx >= 0) replace.set(sig[fromIdx]!.i, ',');
    if (forIdx >= 0) replace.set(sig[forIdx]!.i, fromIdx >= 0 ? ',' : ', 1,');
  }

  const pieces: Piece[] = [];
  toks.forEach((t, i) => {
    const raw = tokText(t);
    const r = replace.get(i);
    if (r !== undefined) pieces.push({ text: r, origStart: t.start, aligned: false });
    else if (t.kind === 'word') pieces.push({ text: foldIdentifier(raw), origStart: t.start, aligned: true });
    else pieces.push({ text: raw, origStart: t.start, aligned: true });
  });
  const starts: number[] = [];
  let text = '';
  for (const piece of pieces) {
    starts.push(text.length);
    text += piece.text;
  }
  return {
    text,
    castTypes,
    setOpAll,
    usesAnyAll,
    toOriginal(offset: number): number {
      // The last non-empty piece starting at or before offset.
      let found = -1;
      let lo = 0;
      let hi = pieces.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (starts[mid]! <= offset) {
          found = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      while (found > 0 && pieces[found]!.text === '') found--;
      if (found < 0) return 0;
      const piece = pieces[found]!;
      if (offset >= starts[found]! + piece.text.length) return select.length;
      return piece.aligned ? piece.origStart + (offset - starts[found]!) : piece.origStart;
    },
  };
}
