// A list page's filters live in the URL (shareable, kept on reload): read them, and set one at a time.
import { useSearchParams } from "react-router";

export function useFilters(): [URLSearchParams, (name: string) => (value: string) => void] {
  const [params, setParams] = useSearchParams();
  const set = (name: string) => (value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
  };
  return [params, set];
}
