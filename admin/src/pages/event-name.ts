/** A stored event type as words: "FeeCharged.v2" -> "Fee charged". */
export function eventName(eventType: string): string {
  const name = eventType.replace(/\.v\d+$/, '').replace(/([a-z])([A-Z])/g, '$1 $2');
  return name.charAt(0) + name.slice(1).toLowerCase();
}
