/**
 * Why a command was refused: a closed, ordered set of codes. The GraphQL edge maps them
 * one to one onto `extensions.code`.
 */
export const REJECTION_CODES = [
  'VALIDATION_FAILED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'ACCOUNT_CLOSED',
  'ACCOUNT_NOT_EMPTY',
  'ACCOUNT_HAS_OPEN_ORDERS',
  'INSUFFICIENT_FUNDS',
  'INSUFFICIENT_HOLDINGS',
  'ORDER_NOT_ACTIVE',
  'INVALID_FILL',
  /** An admin's compensation of an order that may still trade at the market, which did not answer. */
  'COMPENSATION_NEEDS_MARKET',
] as const;

export type RejectionCode = (typeof REJECTION_CODES)[number];

export interface Rejection {
  readonly code: RejectionCode;
  readonly message: string;
  /** The input field at fault, for VALIDATION_FAILED. */
  readonly field?: string;
}
