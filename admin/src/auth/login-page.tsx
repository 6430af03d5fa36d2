import { type FormEvent, useEffect, useState } from 'react';
import { devSignIn, devSignInAvailable } from './dev-sign-in';
import { tokenProblem } from './session';

/**
 * Sign in with a bearer token (pasted), or, on a development server whose secret it
 * generated itself, with one click. `notice` says why the last session ended.
 */
export function LoginPage(props: { notice: string | undefined; onToken(token: string): void }) {
  const [token, setToken] = useState('');
  const [problem, setProblem] = useState<string | undefined>(props.notice);
  const [devAvailable, setDevAvailable] = useState(false);
  useEffect(() => {
    void devSignInAvailable().then(setDevAvailable);
  }, []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const trimmed = token.trim();
    const found = tokenProblem(trimmed);
    if (found !== undefined) setProblem(found);
    else props.onToken(trimmed);
  };
  const signInAsAdmin = () => {
    devSignIn().then(props.onToken, (error: Error) => setProblem(error.message));
  };

  return (
    <main className="login">
      <h1>Ledger admin</h1>
      <form onSubmit={submit} aria-describedby="token-help">
        <label htmlFor="token">Admin bearer token</label>
        <textarea
          id="token"
          rows={4}
          value={token}
          onChange={(e) => setToken(e.target.value)}
          spellCheck={false}
          autoComplete="off"
        />
        <p id="token-help" className="muted">
          Mint one with <code>npm run -s ledger -- token --sub you --role admin</code>.
        </p>
        {problem ? (
          <p className="state error" role="alert">
            {problem}
          </p>
        ) : null}
        <button type="submit">Sign in</button>
      </form>
      {devAvailable ? (
        <section className="dev-sign-in" aria-label="Development">
          <p className="muted">This server generated its own secret: a development machine.</p>
          <button type="button" onClick={signInAsAdmin}>
            Sign in as admin
          </button>
        </section>
      ) : null}
    </main>
  );
}
