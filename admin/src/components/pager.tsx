/**
 * Keyset paging's buttons: `cursors` holds the cursor of every page up to this one (null
 * for the first); Previous drops the last, Next adds the page's end cursor.
 */
export function Pager({
  cursors,
  onChange,
  endCursor,
  hasNextPage,
}: {
  cursors: readonly (string | null)[];
  onChange: (cursors: (string | null)[]) => void;
  endCursor: string | null;
  hasNextPage: boolean;
}) {
  return (
    <div className="pager">
      <button
        type="button"
        disabled={cursors.length <= 1}
        onClick={() => onChange(cursors.slice(0, -1))}
      >
        Previous page
      </button>
      <span>Page {cursors.length}</span>
      <button
        type="button"
        disabled={!hasNextPage}
        onClick={() => onChange([...cursors, endCursor])}
      >
        Next page
      </button>
    </div>
  );
}
