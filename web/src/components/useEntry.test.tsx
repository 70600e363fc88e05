import { act, cleanup, renderHook } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { useEntry } from "./useEntry";

afterEach(cleanup);

describe("an entry after its command is done", () => {
  it("starts over from what the next entry keeps of the sent one", () => {
    const { result } = renderHook(() => useEntry(() => ({ name: "", kind: "contract" }), (sent) => ({ ...sent, name: "" })));
    act(() => result.current.setValues({ name: "Договор", kind: "invoice" }));
    act(() => void result.current.sending(result.current.values));
    act(() => result.current.done());
    expect(result.current.values).toEqual({ name: "", kind: "invoice" });
  });

  it("keeps what was typed after sending", () => {
    const { result } = renderHook(() => useEntry(() => ({ name: "" })));
    act(() => result.current.setValues({ name: "first" }));
    act(() => void result.current.sending(result.current.values));
    act(() => result.current.setValues({ name: "second" }));
    act(() => result.current.done());
    expect(result.current.values).toEqual({ name: "second" });
  });

  it("starts from the initial values when nothing says otherwise", () => {
    const { result } = renderHook(() => useEntry(() => ({ name: "" })));
    act(() => result.current.setValues({ name: "first" }));
    act(() => void result.current.sending(result.current.values));
    act(() => result.current.done());
    expect(result.current.values).toEqual({ name: "" });
  });
});
