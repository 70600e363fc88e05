// A sortable table over rows the API returned; a row may link to its detail page.
import {
  flexRender,
  getCoreRowModel,
  getSortedRowModel,
  useReactTable,
  type ColumnDef,
  type SortingState,
} from "@tanstack/react-table";
import { useState, type MouseEvent } from "react";
import { useNavigate } from "react-router";
import { Empty } from "./ui";

export interface DataTableProps<Row> {
  rows: Row[];
  columns: ColumnDef<Row, unknown>[];
  link?: (row: Row) => string;
  caption?: string;
  testId?: string;
}

export function DataTable<Row>({ rows, columns, link, caption, testId }: DataTableProps<Row>) {
  const [sorting, setSorting] = useState<SortingState>([]);
  const table = useReactTable({
    data: rows,
    columns,
    state: { sorting },
    onSortingChange: setSorting,
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
  });
  const navigate = useNavigate();
  if (rows.length === 0) return <Empty />;
  // Rows link with plain anchors and one click handler for the table: a router <Link> per row costs a
  // route resolution each (200 rows, 200 of them) on the list's first paint. Modified clicks (new tab,
  // new window) keep the browser's own behaviour.
  const follow = (event: MouseEvent<HTMLTableElement>) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const anchor = (event.target as Element).closest("a[data-row-link]");
    if (anchor === null) return;
    event.preventDefault();
    navigate(anchor.getAttribute("href") ?? "/");
  };
  return (
    <div className="table-scroll">
      <table className="data-table" data-testid={testId} onClick={link ? follow : undefined}>
        {caption && <caption className="visually-hidden">{caption}</caption>}
        <thead>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => {
                const sorted = header.column.getIsSorted();
                return (
                  <th
                    key={header.id}
                    scope="col"
                    aria-sort={sorted === "asc" ? "ascending" : sorted === "desc" ? "descending" : "none"}
                  >
                    {header.column.getCanSort() ? (
                      <button type="button" className="sort" onClick={header.column.getToggleSortingHandler()}>
                        {flexRender(header.column.columnDef.header, header.getContext())}
                        <span aria-hidden="true">{sorted === "asc" ? " ▲" : sorted === "desc" ? " ▼" : ""}</span>
                      </button>
                    ) : (
                      flexRender(header.column.columnDef.header, header.getContext())
                    )}
                  </th>
                );
              })}
            </tr>
          ))}
        </thead>
        <tbody>
          {table.getRowModel().rows.map((row) => (
            <tr key={row.id}>
              {row.getVisibleCells().map((cell, index) => (
                <td key={cell.id}>
                  {index === 0 && link ? (
                    <a href={link(row.original)} data-row-link="">{flexRender(cell.column.columnDef.cell, cell.getContext())}</a>
                  ) : (
                    flexRender(cell.column.columnDef.cell, cell.getContext())
                  )}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
