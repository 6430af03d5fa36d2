import { useState } from 'react';
import { type AnyVariables, type DocumentInput, useMutation } from 'urql';
import { type ShownError, shownError } from './errors';

export interface AdminMutation<Data, Variables> {
  run(variables: Variables): Promise<Data | undefined>;
  readonly running: boolean;
  readonly error: ShownError | undefined;
}

/** A mutation whose error is kept in words for the screen to show beside its button. */
export function useAdminMutation<Data, Variables extends AnyVariables>(
  mutation: DocumentInput<Data, Variables>,
): AdminMutation<Data, Variables> {
  const [state, execute] = useMutation<Data, Variables>(mutation);
  const [error, setError] = useState<ShownError | undefined>();
  const run = async (variables: Variables) => {
    setError(undefined);
    const result = await execute(variables);
    if (result.error) setError(shownError(result.error));
    return result.data;
  };
  return { run, running: state.fetching, error };
}
