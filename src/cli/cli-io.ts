/** Results go to stdout; progress, notes and errors to stderr. */
export const out = (text: string): void => void process.stdout.write(`${text}\n`);
export const err = (text: string): void => void process.stderr.write(`${text}\n`);

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
/** A rebuild whose parity check failed: nothing swapped. */
export const EXIT_REFUSED = 2;
