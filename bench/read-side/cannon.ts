import autocannon from 'autocannon';

/** One request autocannon sends over and over. */
export interface Request {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** The exact answer (nothing is written during the bench): any other body is a mismatch. */
  readonly expectBody: string;
}

/** Fires `request` for `seconds` and checks every answer's body. */
export async function fire(
  request: Request,
  seconds: number,
  options: { connections: number; pipelining: number; workers: number },
): Promise<autocannon.Result> {
  return autocannon({
    url: request.url,
    method: request.method,
    ...(request.headers ? { headers: request.headers } : {}),
    ...(request.body ? { body: request.body } : {}),
    expectBody: request.expectBody,
    duration: seconds,
    connections: options.connections,
    pipelining: options.pipelining,
    ...(options.workers > 0 ? { workers: options.workers } : {}),
  });
}
