import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryRouter, Route, Routes, useLocation } from "react-router";
import { DataTable } from "./DataTable";

interface Row {
  id: string;
  reference: string;
}

function Where() {
  return <output data-testid="where">{useLocation().pathname}</output>;
}

function List() {
  const rows: Row[] = [
    { id: "a", reference: "SEA-1" },
    { id: "b", reference: "SEA-2" },
  ];
  return (
    <>
      <DataTable rows={rows} columns={[{ header: "Ref", accessorKey: "reference" }]} link={(r) => `/shipments/${r.id}`} />
      <Where />
    </>
  );
}

function mount() {
  render(
    <MemoryRouter initialEntries={["/shipments"]}>
      <Routes>
        <Route path="*" element={<List />} />
      </Routes>
    </MemoryRouter>,
  );
}

afterEach(cleanup);

describe("DataTable row links", () => {
  it("are real links to each row's page, followed inside the application on a plain click", () => {
    mount();
    const link = screen.getByRole("link", { name: "SEA-2" });
    expect(link.getAttribute("href")).toBe("/shipments/b");
    const plain = fireEvent.click(link, { button: 0 });
    expect(plain).toBe(false); // the browser's own navigation (a page load) was prevented
    expect(screen.getByTestId("where").textContent).toBe("/shipments/b");
  });

  it("leave a modified click (new tab) to the browser", () => {
    mount();
    const opened = fireEvent.click(screen.getByRole("link", { name: "SEA-1" }), { button: 0, ctrlKey: true });
    expect(opened).toBe(true);
    expect(screen.getByTestId("where").textContent).toBe("/shipments");
  });
});
