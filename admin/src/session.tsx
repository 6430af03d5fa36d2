import { createContext, useContext } from 'react';

/** The signed-in operator, for every screen: sign out with a reason shown on the login page. */
export interface Session {
  readonly token: string;
  readonly subject: string;
  signOut(reason?: string): void;
}

export const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === undefined) throw new Error('useSession outside a signed-in screen');
  return session;
}
