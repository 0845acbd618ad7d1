/**
 * Who may do what (CONTRACT.md "Authorization"): `DELTAVIEW_TOKEN` is the
 * admin secret; with `DELTAVIEW_JWT_SECRET` (HS256) or `DELTAVIEW_JWT_PUBLIC_KEY`
 * (PEM, RS256/ES256) JSON Web Tokens are accepted too (verified by `jose`,
 * `exp` required), their claim `deltaview` saying what they may do:
 * `{"admin": true}`, or `{"views": {"<view>": true | "<row filter>"}}`. With
 * neither configured everything is allowed (loopback use).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { importSPKI, jwtVerify, type CryptoKey, type KeyObject } from 'jose';
import { DeltaviewError } from '../errors.ts';

/** What a request may do: everything, or read the listed views (each whole, or through a row filter). */
export type Grant = { readonly admin: true } | { readonly admin: false; readonly views: ReadonlyMap<string, true | string> };

export const ADMIN: Grant = { admin: true };

export interface AuthConfig {
  readonly token: string | null;
  readonly jwtSecret: string | null;
  readonly jwtPublicKey: string | null;
}

export interface Authenticator {
  /** Whether any credential is needed at all. */
  readonly required: boolean;
  /** The grant of a bearer credential (null: none given); unauthorized when it is missing or invalid. */
  grant(credential: string | null): Promise<Grant>;
}

export function createAuthenticator(cfg: AuthConfig): Authenticator {
  const jwt = cfg.jwtSecret !== null || cfg.jwtPublicKey !== null;
  const required = cfg.token !== null || jwt;
  let key: Promise<Uint8Array | CryptoKey | KeyObject> | null = null;
  const verificationKey = () =>
    (key ??=
      cfg.jwtSecret !== null
        ? Promise.resolve(new TextEncoder().encode(cfg.jwtSecret))
        : importAnySpki(cfg.jwtPublicKey!));
  const algorithms = cfg.jwtSecret !== null ? ['HS256'] : ['RS256', 'ES256'];
  return {
    required,
    async grant(credential) {
      if (!required) return ADMIN;
      if (credential === null || credential === '') throw new DeltaviewError('unauthorized', 'missing credentials: send Authorization: Bearer <token> (or ?token= on WebSockets)');
      if (cfg.token !== null && sameSecret(credential, cfg.token)) return ADMIN;
      if (!jwt) throw new DeltaviewError('unauthorized', 'wrong token');
      let payload: Record<string, unknown>;
      try {
        ({ payload } = await jwtVerify(credential, await verificationKey(), { algorithms, requiredClaims: ['exp'] }));
      } catch (err) {
        throw new DeltaviewError('unauthorized', `invalid token: ${(err as Error).message}`);
      }
      return grantOf(payload.deltaview);
    },
  };
}

/** The grant a token's `deltaview` claim describes. */
function grantOf(claim: unknown): Grant {
  if (claim === null || typeof claim !== 'object' || Array.isArray(claim)) throw new DeltaviewError('unauthorized', 'the token has no "deltaview" claim saying what it may do');
  const c = claim as { admin?: unknown; views?: unknown };
  if (c.admin === true) return ADMIN;
  const views = new Map<string, true | string>();
  if (c.views !== undefined) {
    if (c.views === null || typeof c.views !== 'object' || Array.isArray(c.views)) throw new DeltaviewError('unauthorized', 'the "views" of the token\'s "deltaview" claim must be an object of view name → true or a row filter');
    for (const [name, g] of Object.entries(c.views as Record<string, unknown>)) {
      if (g === true) views.set(name, true);
      else if (typeof g === 'string' && g.trim() !== '') views.set(name, g);
    }
  }
  return { admin: false, views };
}

/** The row filter a grant puts on a view (null: the whole view); forbidden when it may not read it. */
export function rowFilterOf(grant: Grant, view: string): string | null {
  if (grant.admin) return null;
  const g = grant.views.get(view);
  if (g === undefined) throw new DeltaviewError('forbidden', `this token may not read view "${view}"`);
  return g === true ? null : g;
}

export function requireAdmin(grant: Grant, what: string): void {
  if (!grant.admin) throw new DeltaviewError('forbidden', `${what} needs an admin token`);
}

/** Whether a grant may see a view at all. */
export function mayRead(grant: Grant, view: string): boolean {
  return grant.admin || grant.views.has(view);
}

/** A filter and a row filter as one predicate (both must hold). */
export function combineFilters(where: string | null, rowFilter: string | null): string | null {
  if (rowFilter === null) return where;
  if (where === null) return rowFilter;
  return `(${rowFilter}) AND (${where})`;
}

/** The credential of an `Authorization: Bearer <credential>` header, taken exactly (null: none). */
export function bearer(header: string | undefined): string | null {
  return header !== undefined && header.startsWith('Bearer ') ? header.slice(7) : null;
}

/** Whether an Authorization header carries exactly `token` as its bearer credential. */
export function authorized(header: string | undefined, token: string): boolean {
  return header !== undefined && sameSecret(header, `Bearer ${token}`);
}

/** Compares two secrets in time independent of where they differ (digests: equal lengths). */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

async function importAnySpki(pem: string): Promise<CryptoKey | KeyObject> {
  let last: unknown;
  for (const alg of ['RS256', 'ES256']) {
    try {
      return await importSPKI(pem, alg);
    } catch (err) {
      last = err;
    }
  }
  throw new Error(`DELTAVIEW_JWT_PUBLIC_KEY is not an RSA or P-256 public key in PEM (SPKI) form: ${(last as Error).message}`);
}
