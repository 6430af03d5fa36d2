const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/;

/**
 * Milliseconds since the epoch for an ISO-8601 UTC instant such as
 * 2026-01-31T12:00:00.000Z; undefined for anything else, including impossible dates.
 */
export function parseInstant(text: string): number | undefined {
  if (!ISO_INSTANT.test(text)) return undefined;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return undefined;
  // Date.parse rolls 2024-02-30 over to March: the round trip catches it.
  return new Date(ms).toISOString().slice(0, 19) === text.slice(0, 19) ? ms : undefined;
}
