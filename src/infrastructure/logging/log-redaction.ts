/**
 * What a log line must never hold. Structured fields are cut by path (pino's redaction);
 * free text (messages, error messages and stacks) is scrubbed of anything shaped like a
 * credential and of the configured secrets' values, since an error may quote what it was
 * given.
 */

/** Field paths pino replaces with "[redacted]" wherever a line carries them. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  '*.authorization',
  '*.password',
  '*.secret',
  '*.token',
  '*.jwtSecret',
  // A command's or query's arguments hold customers' names, references and amounts.
  'variables',
  '*.variables',
  'input',
  '*.input',
];

export const REDACTED = '[redacted]';

/** Any bearer or basic credential, and a JWT (three base64url parts, the first a JSON header) anywhere. */
const CREDENTIAL_PATTERNS = [
  /\b(Bearer|Basic)\s+[\w.~+/=-]+/gi,
  /\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/g,
];
/** Secrets shorter than this are not scrubbed by value: they would blank common words. */
const MIN_SCRUBBED_SECRET_LENGTH = 8;

export type TextScrubber = (text: string) => string;

export function textScrubber(secrets: readonly string[]): TextScrubber {
  const values = secrets.filter((secret) => secret.length >= MIN_SCRUBBED_SECRET_LENGTH);
  return (text) => {
    let clean = text;
    for (const pattern of CREDENTIAL_PATTERNS) clean = clean.replace(pattern, REDACTED);
    for (const value of values) clean = clean.split(value).join(REDACTED);
    return clean;
  };
}
