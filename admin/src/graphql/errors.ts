import { type CombinedError } from 'urql';

/** An error as the UI shows it: the server's stable code and its message, in words. */
export interface ShownError {
  readonly code: string;
  readonly message: string;
}

const NETWORK: ShownError = {
  code: 'NETWORK',
  message: 'The server did not answer. Is the app running?',
};

/** The first GraphQL error's code and message, or a network failure in words. */
export function shownError(error: CombinedError): ShownError {
  const first = error.graphQLErrors[0];
  if (first === undefined) return NETWORK;
  const code = first.extensions['code'];
  const fields = first.extensions['fields'];
  const details = Array.isArray(fields)
    ? fields
        .map(
          (f: { field?: unknown; message?: unknown }) => `${String(f.field)}: ${String(f.message)}`,
        )
        .join('; ')
    : '';
  return {
    code: typeof code === 'string' ? code : 'ERROR',
    message: details === '' ? first.message : `${first.message} (${details})`,
  };
}

/** Codes after which the token is of no use: the UI signs out and says why. */
export function endsSession(error: ShownError): boolean {
  return error.code === 'UNAUTHENTICATED' || error.code === 'FORBIDDEN';
}
