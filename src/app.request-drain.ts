import { type FastifyInstance } from 'fastify';

/**
 * Paths still answered while requests drain: the process is alive, and a scrape may
 * watch it stop. Readiness (/health/ready) is refused from the first moment of a stop.
 */
const ANSWERED_WHILE_DRAINING = ['/health/live', '/metrics'];
const READINESS_PATH = '/health/ready';

type Phase = 'serving' | 'leaving' | 'draining';

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/**
 * The HTTP side of a graceful stop. `leaving`: requests are served as usual but
 * readiness answers 503, so that a load balancer stops routing here. `draining`: new
 * requests are refused with 503 and `Connection: close` (a client retries elsewhere;
 * nothing of theirs ran), while the requests in flight finish.
 */
export class RequestDrain {
  private phase: Phase = 'serving';
  private inFlight = 0;
  private idle: (() => void) | undefined;

  /** Adds the hooks to the app's Fastify instance: before it listens. */
  constructor(fastify: FastifyInstance) {
    fastify.addHook('onRequest', (request, reply, done) => {
      if (this.refuses(pathOf(request.url))) {
        void reply
          .code(503)
          .header('connection', 'close')
          .header('retry-after', '1')
          .send({ error: 'Service Unavailable', message: 'The server is stopping' });
        return;
      }
      this.inFlight++;
      // 'close' comes once per response, finished or cut off.
      reply.raw.once('close', () => this.finished());
      done();
    });
  }

  get requestsInFlight(): number {
    return this.inFlight;
  }

  /** Readiness answers 503 from now on; everything else is still served. */
  leave(): void {
    if (this.phase === 'serving') this.phase = 'leaving';
  }

  /**
   * Refuses new requests, and resolves once those in flight have finished or `boundMs`
   * has passed, with the number still in flight then.
   */
  async drain(boundMs: number): Promise<number> {
    this.phase = 'draining';
    if (this.inFlight === 0) return 0;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.idle = resolve;
      timer = setTimeout(resolve, boundMs);
    });
    clearTimeout(timer);
    this.idle = undefined;
    return this.inFlight;
  }

  private refuses(path: string): boolean {
    if (this.phase === 'serving') return false;
    if (this.phase === 'leaving') return path === READINESS_PATH;
    return !ANSWERED_WHILE_DRAINING.includes(path);
  }

  private finished(): void {
    this.inFlight--;
    if (this.inFlight === 0) this.idle?.();
  }
}
