import { useEffect, useMemo } from 'react';
import { type AnyVariables, type DocumentInput, useQuery } from 'urql';
import { useSession } from '../session';
import { type ShownError, endsSession, shownError } from './errors';

export interface AdminQueryState<Data> {
  readonly data: Data | undefined;
  readonly fetching: boolean;
  readonly error: ShownError | undefined;
  refetch(): void;
}

/**
 * A query of the admin API. An expired or refused token signs out, with the reason shown
 * on the sign-in page; other errors are returned in words for the screen to show.
 */
export function useAdminQuery<Data, Variables extends AnyVariables = AnyVariables>(
  query: DocumentInput<Data, Variables>,
  variables: Variables,
  options: { pause?: boolean } = {},
): AdminQueryState<Data> {
  const session = useSession();
  const [result, reexecute] = useQuery<Data, Variables>({ query, variables, pause: options.pause });
  const error = useMemo(
    () => (result.error ? shownError(result.error) : undefined),
    [result.error],
  );
  useEffect(() => {
    if (error !== undefined && endsSession(error))
      session.signOut(`${error.message} (${error.code})`);
  }, [error, session]);
  return {
    data: result.data,
    fetching: result.fetching,
    error,
    refetch: () => reexecute({ requestPolicy: 'network-only' }),
  };
}
