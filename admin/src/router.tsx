import { type MouseEvent, type ReactNode, useEffect, useState } from 'react';

/** Every screen's path starts here (the app serves the page for anything below it). */
export const BASE = '/admin';

/** The path below BASE, e.g. "/orders/o-1", and the query string's values. */
export interface Location {
  readonly path: string;
  readonly query: URLSearchParams;
}

function current(): Location {
  const path = window.location.pathname.slice(BASE.length) || '/';
  return { path, query: new URLSearchParams(window.location.search) };
}

const NAVIGATED = 'ledger-navigated';

/** Goes to a path below BASE without a page load (history entry; Back works). */
export function navigate(to: string): void {
  window.history.pushState(null, '', `${BASE}${to}`);
  window.dispatchEvent(new Event(NAVIGATED));
}

/** The current location, updated on navigate() and on Back/Forward. */
export function useLocation(): Location {
  const [location, setLocation] = useState(current);
  useEffect(() => {
    const update = () => setLocation(current());
    window.addEventListener('popstate', update);
    window.addEventListener(NAVIGATED, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(NAVIGATED, update);
    };
  }, []);
  return location;
}

/** A link to a screen: a real `<a href>` (new tab, copy link) that navigates in place. */
export function Link(props: { to: string; children: ReactNode; className?: string }) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    navigate(props.to);
  };
  return (
    <a href={`${BASE}${props.to}`} onClick={onClick} className={props.className}>
      {props.children}
    </a>
  );
}
