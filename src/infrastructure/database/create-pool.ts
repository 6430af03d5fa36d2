import pg from 'pg';

/**
 * A pg pool whose clients never crash the process with a late 'error': pool.end()
 * resolves before its clients have closed, so a server shutting down (or a dropped
 * database) can still hit a client the pool no longer watches.
 */
export function createPool(config: pg.PoolConfig): pg.Pool {
  const pool = new pg.Pool(config);
  pool.on('error', () => undefined);
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  return pool;
}
