import { act, cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryRouter, useLocation } from "react-router";
import { useFilters } from "./useFilters";

let setter: (name: string) => (value: string) => void = () => () => undefined;

function Probe() {
  const [params, set] = useFilters();
  setter = set;
  return <output data-testid="search">{`${useLocation().search}|${params.get("status") ?? ""}`}</output>;
}

afterEach(cleanup);

describe("list filters in the URL", () => {
  it("set one filter, keep the others, and drop a filter set to nothing", () => {
    render(<MemoryRouter initialEntries={["/shipments?mode=sea"]}><Probe /></MemoryRouter>);
    act(() => setter("status")("booked"));
    expect(screen.getByTestId("search").textContent).toBe("?mode=sea&status=booked|booked");
    act(() => setter("mode")(""));
    expect(screen.getByTestId("search").textContent).toBe("?status=booked|booked");
  });
});
