/** An order's status in words, coloured by how it ended (and not only by colour: the text says it). */
export function StatusBadge(props: { status: string }) {
  return (
    <span className={`badge status-${props.status.toLowerCase()}`}>
      {props.status.replace('_', ' ').toLowerCase()}
    </span>
  );
}
