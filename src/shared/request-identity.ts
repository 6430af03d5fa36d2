import { type MercuriusContext } from 'mercurius';

/** Who acts: written into every event's metadata as the acting user. */
export interface RequestIdentity {
  readonly userId: string;
  readonly correlationId?: string;
}

const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Who is asking. Bearer-token authentication is not wired yet, so every caller acts
 * as `anonymous`; a client may pass `x-correlation-id` to tie its requests together.
 */
export function identityOf(context: MercuriusContext): RequestIdentity {
  const header = context.reply?.request.headers['x-correlation-id'];
  const correlationId =
    typeof header === 'string' && CORRELATION_ID.test(header) ? header : undefined;
  return correlationId === undefined
    ? { userId: 'anonymous' }
    : { userId: 'anonymous', correlationId };
}
