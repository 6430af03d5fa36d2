import { type ReactNode } from 'react';
import { type ShownError } from '../graphql/errors';

export function Loading(props: { what: string }) {
  return (
    <p className="state loading" role="status">
      Loading {props.what}…
    </p>
  );
}

export function Empty(props: { children: ReactNode }) {
  return <p className="state empty">{props.children}</p>;
}

/** An error in words, with the server's stable code to quote in a ticket. */
export function ErrorMessage(props: { error: ShownError }) {
  return (
    <p className="state error" role="alert">
      <strong>{props.error.message}</strong> <code>{props.error.code}</code>
    </p>
  );
}
