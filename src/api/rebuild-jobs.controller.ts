import { type BeforeApplicationShutdown, Controller, Get, Req, Res } from '@nestjs/common';
import { type FastifyReply, type FastifyRequest } from 'fastify';
import { RebuildJobs } from '../projections/rebuild-jobs.service.js';
import { toRebuildJobType } from '../projections/rebuild-jobs.type.js';

/** A comment line now and then, so proxies and the browser keep an idle stream open. */
const HEARTBEAT_MS = 15_000;
/** A stream ends after this long; the page opens a new one (a bound on every connection). */
const MAX_STREAM_MS = 10 * 60_000;

/**
 * Background rebuilds pushed to the admin UI as server-sent events: every job as it stands
 * when the stream opens, then each change. Admin only: AuthorizationGuard checks every
 * /admin-api request's bearer token (the page reads the stream with fetch, which sends it).
 */
@Controller('admin-api')
export class RebuildJobsController implements BeforeApplicationShutdown {
  private readonly open = new Set<() => void>();

  constructor(private readonly jobs: RebuildJobs) {}

  @Get('rebuild-jobs')
  stream(@Req() request: FastifyRequest, @Res() reply: FastifyReply): void {
    reply.hijack();
    const response = reply.raw;
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    const send = (job: Parameters<typeof toRebuildJobType>[0]) =>
      response.write(`event: rebuild\ndata: ${JSON.stringify(toRebuildJobType(job))}\n\n`);
    this.jobs.list().forEach(send);
    const subscription = this.jobs.changes.subscribe(send);
    const heartbeat = setInterval(() => response.write(': still here\n\n'), HEARTBEAT_MS);
    const close = () => {
      subscription.unsubscribe();
      clearInterval(heartbeat);
      clearTimeout(limit);
      this.open.delete(close);
      response.end();
    };
    const limit = setTimeout(close, MAX_STREAM_MS);
    this.open.add(close);
    request.raw.once('close', close);
  }

  /** Open streams would hold the server's close for its whole timeout: they end first. */
  beforeApplicationShutdown(): void {
    for (const close of [...this.open]) close();
  }
}
