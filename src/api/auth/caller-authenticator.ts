import { type Caller } from '../../shared/request-identity.js';

/** Turns a request's Authorization header into its caller, or throws UNAUTHENTICATED. */
export interface CallerAuthenticator {
  authenticate(authorization: string | undefined): Promise<Caller>;
}

export const CALLER_AUTHENTICATOR = Symbol('CALLER_AUTHENTICATOR');
