// The console's entry: server state (TanStack Query), the session, the language, the routes.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode, useCallback } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router";
import { App } from "./App";
import { api, currentToken, restoreSession } from "./api/client";
import { SessionProvider } from "./api/session";
import type { Locale } from "./i18n/format";
import { I18nProvider } from "./i18n/I18n";
import "./styles.css";

// A reload continues the session from the refresh cookie: ask now, while React and the page's code load,
// rather than after the first render (SessionProvider awaits this same request).
void restoreSession();

const client = new QueryClient({
  defaultOptions: { queries: { staleTime: 5_000, refetchOnWindowFocus: false, retry: 1 } },
});

function Root() {
  // The chosen language is also kept in the user's profile, so it follows them to another browser.
  const remember = useCallback((locale: Locale) => {
    if (currentToken()) void api.patch("/api/auth/profile", { locale }).catch(() => undefined);
  }, []);
  return (
    <QueryClientProvider client={client}>
      <I18nProvider onChange={remember}>
        <BrowserRouter>
          <SessionProvider>
            <App />
          </SessionProvider>
        </BrowserRouter>
      </I18nProvider>
    </QueryClientProvider>
  );
}

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <Root />
    </StrictMode>,
  );
}
