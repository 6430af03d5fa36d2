import { useCallback, useMemo, useState } from 'react';
import { Provider } from 'urql';
import { LoginPage } from './auth/login-page';
import { readClaims, storeToken, storedToken, tokenProblem } from './auth/session';
import { createClient } from './graphql/client';
import { Link, useLocation } from './router';
import { type Session, SessionContext } from './session';
import { DashboardPage } from './pages/dashboard-page';
import { OrdersPage } from './pages/orders-page';
import { OrderPage } from './pages/order-page';
import { OperationsPage } from './pages/operations-page';
import { AccountPage } from './pages/account-page';
import { AccountsPage } from './pages/accounts-page';

const NAV = [
  { to: '/', label: 'Dashboard' },
  { to: '/orders', label: 'Orders' },
  { to: '/accounts', label: 'Accounts' },
  { to: '/operations', label: 'Operations' },
] as const;

function Screen(props: { path: string }) {
  const order = /^\/orders\/([^/]+)$/.exec(props.path);
  if (order) return <OrderPage id={decodeURIComponent(order[1]!)} />;
  const account = /^\/accounts\/([^/]+)$/.exec(props.path);
  if (account) return <AccountPage id={decodeURIComponent(account[1]!)} />;
  if (props.path === '/accounts') return <AccountsPage />;
  if (props.path === '/orders') return <OrdersPage />;
  if (props.path === '/operations') return <OperationsPage />;
  if (props.path === '/') return <DashboardPage />;
  return (
    <>
      <h1>Not found</h1>
      <p>
        There is no screen at this address. <Link to="/">Go to the dashboard</Link>.
      </p>
    </>
  );
}

function Shell(props: { session: Session }) {
  const { path } = useLocation();
  const section = path === '/' ? '/' : `/${path.split('/')[1] ?? ''}`;
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Ledger admin</span>
        <nav aria-label="Main">
          <ul>
            {NAV.map((item) => (
              <li key={item.to} aria-current={item.to === section ? 'page' : undefined}>
                <Link to={item.to}>{item.label}</Link>
              </li>
            ))}
          </ul>
        </nav>
        <span className="who">
          {props.session.subject}{' '}
          <button type="button" onClick={() => props.session.signOut()}>
            Sign out
          </button>
        </span>
      </header>
      <main id="main">
        <Screen path={path} />
      </main>
    </>
  );
}

/** Sign-in first; then the screens, each talking to /graphql with the token. */
export function App() {
  const [token, setToken] = useState(() => {
    const stored = storedToken();
    return stored !== undefined && tokenProblem(stored) === undefined ? stored : undefined;
  });
  const [notice, setNotice] = useState<string | undefined>();
  const signIn = useCallback((next: string) => {
    storeToken(next);
    setNotice(undefined);
    setToken(next);
  }, []);
  const signOut = useCallback((reason?: string) => {
    storeToken(undefined);
    setNotice(reason);
    setToken(undefined);
  }, []);
  const client = useMemo(() => (token ? createClient(token) : undefined), [token]);
  const session = useMemo<Session | undefined>(
    () => (token ? { token, subject: readClaims(token)?.sub ?? '', signOut } : undefined),
    [token, signOut],
  );
  if (client === undefined || session === undefined) {
    return <LoginPage notice={notice} onToken={signIn} />;
  }
  return (
    <Provider value={client}>
      <SessionContext.Provider value={session}>
        <Shell session={session} />
      </SessionContext.Provider>
    </Provider>
  );
}
