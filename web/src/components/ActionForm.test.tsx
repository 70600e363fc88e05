import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { afterEach, describe, expect, it } from "vitest";
import { I18nProvider } from "../i18n/I18n";
import { ActionForm, type ActionSpec } from "./ActionForm";

afterEach(cleanup);

function mount() {
  const sent: string[] = [];
  const answers: Array<() => void> = [];
  const spec: ActionSpec = {
    title: "shipment.record",
    testId: "record",
    invalidates: [],
    fields: [{ name: "milestone", label: "shipment.milestone", options: [["picked_up", "p"], ["departed", "d"], ["delivered", "v"]] }],
    send: (values) => {
      sent.push(values.milestone ?? "");
      return new Promise<void>((resolve) => answers.push(resolve));
    },
  };
  render(
    <QueryClientProvider client={new QueryClient()}>
      <I18nProvider>
        <ActionForm spec={spec} />
      </I18nProvider>
    </QueryClientProvider>,
  );
  const select = screen.getByRole("combobox") as HTMLSelectElement;
  const form = screen.getByTestId("record");
  const answer = async () => {
    await waitFor(() => expect(answers.length).toBeGreaterThan(0)); // the command was sent
    await act(async () => {
      answers.shift()?.();
      await new Promise((settled) => setTimeout(settled, 0)); // its success handled
    });
  };
  return { sent, select, form, answer };
}

describe("an action form after its command is done", () => {
  it("is cleared for the next entry", async () => {
    const { sent, select, form, answer } = mount();
    fireEvent.change(select, { target: { value: "departed" } });
    fireEvent.submit(form);
    await answer();
    expect(sent).toEqual(["departed"]);
    expect(select.value).toBe("picked_up");
  });

  it("keeps what was entered while the command was still being answered", async () => {
    const { sent, select, form, answer } = mount();
    fireEvent.submit(form); // picked_up
    fireEvent.change(select, { target: { value: "departed" } }); // the next one, before the first is answered
    await answer();
    expect(select.value).toBe("departed");
    fireEvent.submit(form);
    await waitFor(() => expect(sent).toEqual(["picked_up", "departed"]));
  });
});
