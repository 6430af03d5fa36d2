import { type ReactNode, useState } from 'react';

/**
 * A button that asks first: the action runs only from the confirmation, which says what
 * will happen and can be cancelled (Escape too). `extra` holds inputs the action needs.
 */
export function ConfirmButton(props: {
  label: string;
  question: string;
  onConfirm(): void;
  disabled?: boolean;
  extra?: ReactNode;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button type="button" disabled={props.disabled} onClick={() => setAsking(true)}>
        {props.label}
      </button>
    );
  }
  return (
    <div
      className="confirm"
      role="group"
      aria-label={`Confirm: ${props.label}`}
      onKeyDown={(e) => e.key === 'Escape' && setAsking(false)}
    >
      <p>{props.question}</p>
      {props.extra}
      <button
        type="button"
        className="primary"
        autoFocus
        onClick={() => {
          setAsking(false);
          props.onConfirm();
        }}
      >
        Confirm {props.label.toLowerCase()}
      </button>{' '}
      <button type="button" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </div>
  );
}
