// A form's values that a command sends. Once the command is done the form starts over, unless it was edited
// meanwhile: a live update can show the command's effect before its answer arrives, and the next entry typed by
// then must not be wiped by that answer.
import { useRef, useState, type Dispatch, type SetStateAction } from "react";

export interface Entry<T> {
  values: T;
  setValues: Dispatch<SetStateAction<T>>;
  /** Marks these values as the ones sent, and gives them back to send. */
  sending: (values: T) => T;
  /** The command is done: start over from `next` of what was sent, if the form still holds it. */
  done: () => void;
}

export function useEntry<T>(initial: () => T, next: (sent: T) => T = () => initial()): Entry<T> {
  const [values, setValues] = useState<T>(initial);
  const sent = useRef<T | null>(null);
  return {
    values,
    setValues,
    sending: (v) => {
      sent.current = v;
      return v;
    },
    done: () => setValues((current) => (current === sent.current ? next(current) : current)),
  };
}
