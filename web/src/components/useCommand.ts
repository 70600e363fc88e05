// Sending a command from a form: pending state, the API's field errors, and the caches to refresh.
import { useMutation, useQueryClient, type QueryKey } from "@tanstack/react-query";
import { useRef } from "react";
import { ApiError, type FieldErrors } from "../api/errors";

export interface Command<Input, Output> {
  run(input: Input): Promise<Output | undefined>;
  pending: boolean;
  error: unknown;
  fieldErrors: FieldErrors;
  reset(): void;
}

/** One idempotency key per attempt: a retry of the same submission cannot apply twice. */
export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}

export function useCommand<Input, Output>(
  send: (input: Input, idempotencyKey: string) => Promise<Output>,
  options: { invalidates?: QueryKey[]; onDone?: (output: Output) => void } = {},
): Command<Input, Output> {
  const client = useQueryClient();
  const key = useRef<string>(newIdempotencyKey());
  const mutation = useMutation({
    mutationFn: (input: Input) => send(input, key.current),
    onSuccess: (output) => {
      key.current = newIdempotencyKey();
      for (const queryKey of options.invalidates ?? []) void client.invalidateQueries({ queryKey });
      options.onDone?.(output);
    },
    onError: (error) => {
      // A refused command may be corrected and sent again: that is a new attempt.
      if (error instanceof ApiError && error.status < 500) key.current = newIdempotencyKey();
    },
  });
  return {
    run: async (input) => {
      try {
        return await mutation.mutateAsync(input);
      } catch {
        return undefined;
      }
    },
    pending: mutation.isPending,
    error: mutation.error,
    fieldErrors: mutation.error instanceof ApiError ? mutation.error.fieldErrors : {},
    reset: mutation.reset,
  };
}
