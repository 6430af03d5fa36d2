import { type Caller, ROLES, type Role } from '../../shared/request-identity.js';

// The roles a token may grant are the callers' roles (DESIGN.md section 2).
export { ROLES, type Role };

/** Who a verified token names: `sub` is the customer id (or an admin's id). */
export type AuthenticatedCaller = Caller;

/** Subjects become the acting user in event metadata and logs: short, printable text. */
export const MAX_SUBJECT_LENGTH = 256;
/** No issuer grants more: a longer roles claim is refused without being read through. */
export const MAX_ROLE_ENTRIES = 16;
// Controls, bidi overrides and zero-width characters are invisible or misleading in logs;
// a lone surrogate is not text at all (PostgreSQL refuses it in event metadata).
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;

export function isRole(value: unknown): value is Role {
  return (ROLES as readonly unknown[]).includes(value);
}

export function isValidSubject(value: string): boolean {
  return (
    value !== '' &&
    value === value.trim() &&
    value.length <= MAX_SUBJECT_LENGTH &&
    !UNPRINTABLE.test(value)
  );
}

/** The roles once each, in the order of ROLES, so that equal grants compare equal. */
export function distinctRoles(roles: readonly Role[]): Role[] {
  return ROLES.filter((role) => roles.includes(role));
}
