/** PostgreSQL LSNs as 64-bit integers. Never compare LSN strings: some are zero-padded, some not. */

/** Parses 'X/Y' (hex halves) into a bigint; throws on malformed input. */
export function parseLsn(text: string): bigint {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text.trim());
  if (!m) throw new Error(`malformed LSN "${text}" (expected e.g. 0/16B3748)`);
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}

/** True when text is a well-formed LSN. */
export function isLsn(text: string): boolean {
  return /^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/.test(text.trim());
}

/** Formats like PostgreSQL: upper-case hex, no padding ('0/16B3748'). */
export function formatLsn(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}
