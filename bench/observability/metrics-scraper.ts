/** Prometheus's part in an "on" run: GET /metrics once a second while the load runs. */
export interface ScrapeCounts {
  readonly scrapes: number;
  readonly bytes: number;
  readonly failures: number;
  readonly firstFailure?: string;
}

const SCRAPE_INTERVAL_MS = 1_000;
/** A scrape that takes longer is a failure: the app's own bound on collectors is 2 s. */
const SCRAPE_TIMEOUT_MS = 5_000;

export class MetricsScraper {
  private scrapes = 0;
  private bytes = 0;
  private failures = 0;
  private firstFailure: string | undefined;
  private readonly timer: NodeJS.Timeout;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    private readonly url: string,
    private readonly authorization: string,
  ) {
    this.timer = setInterval(() => {
      this.inFlight = this.scrape();
    }, SCRAPE_INTERVAL_MS);
  }

  /** Stops scraping; the counts once the last scrape has ended. */
  async stop(): Promise<ScrapeCounts> {
    clearInterval(this.timer);
    await this.inFlight;
    return {
      scrapes: this.scrapes,
      bytes: this.bytes,
      failures: this.failures,
      ...(this.firstFailure === undefined ? {} : { firstFailure: this.firstFailure }),
    };
  }

  private async scrape(): Promise<void> {
    try {
      const response = await fetch(this.url, {
        headers: { authorization: this.authorization },
        signal: AbortSignal.timeout(SCRAPE_TIMEOUT_MS),
      });
      const body = await response.text();
      if (!response.ok) throw new Error(`HTTP ${response.status}: ${body.slice(0, 200)}`);
      this.scrapes++;
      this.bytes += body.length;
    } catch (error) {
      this.failures++;
      this.firstFailure ??= (error as Error).message;
    }
  }
}
