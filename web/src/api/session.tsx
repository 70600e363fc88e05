// Who is signed in and in which company: the account, its companies, and the actions on them.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { api, onTokenChange, restoreSession, setToken, type TokenAnswer } from "./client";

export interface Account {
  id: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
  phone: string | null;
  locale: string | null;
  email_verified: boolean;
}

export interface Membership {
  id: string;
  role: string;
  legal_name: string;
  name: string | null;
  country: string | null;
  status: string;
  active: boolean;
}

interface SessionValue {
  ready: boolean;
  signedIn: boolean;
  /** The account and its companies have been read (a route may depend on them). */
  loaded: boolean;
  account: Account | undefined;
  companies: Membership[];
  company: Membership | undefined;
  /** The active company is known and the user's role there may change things (a viewer's may not). */
  canEdit: boolean;
  signIn(email: string, password: string): Promise<void>;
  signOut(): Promise<void>;
  switchCompany(companyId: string): Promise<void>;
  adopt(tokens: TokenAnswer): void;
}

const SessionContext = createContext<SessionValue | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const client = useQueryClient();
  const [ready, setReady] = useState(false);
  const [signedIn, setSignedIn] = useState(false);

  useEffect(() => {
    const off = onTokenChange((token) => setSignedIn(token !== null));
    // A reload: the refresh cookie, if any, gives a new access token.
    void restoreSession().finally(() => setReady(true));
    return () => {
      off();
    };
  }, []);

  const account = useQuery({ queryKey: ["me"], queryFn: () => api.get<Account>("/api/auth/me"), enabled: signedIn });
  const companies = useQuery({
    queryKey: ["companies"],
    queryFn: () => api.get<Membership[]>("/api/companies"),
    enabled: signedIn,
  });

  const adopt = useCallback(
    (tokens: TokenAnswer) => {
      // The new token first, then every query reset: nothing cached for one tenant may show under
      // another, and what refetches must ask with the new token.
      setToken(tokens.access_token);
      void client.resetQueries();
    },
    [client],
  );

  const signIn = useCallback(
    async (email: string, password: string) => adopt(await api.post<TokenAnswer>("/api/auth/login", { email, password })),
    [adopt],
  );

  const signOut = useCallback(async () => {
    try {
      await api.post("/api/auth/logout");
    } finally {
      setToken(null);
      client.clear();
    }
  }, [client]);

  const switchCompany = useCallback(
    async (companyId: string) => adopt(await api.post<TokenAnswer>(`/api/companies/${companyId}/switch`)),
    [adopt],
  );

  const value = useMemo<SessionValue>(
    () => ({
      ready,
      signedIn,
      loaded: account.isSuccess && companies.isSuccess,
      account: account.data,
      companies: companies.data ?? [],
      company: companies.data?.find((c) => c.active),
      canEdit: Boolean(account.isSuccess && companies.data?.some((c) => c.active && c.role !== "viewer")),
      signIn,
      signOut,
      switchCompany,
      adopt,
    }),
    [ready, signedIn, account.isSuccess, companies.isSuccess, account.data, companies.data, signIn, signOut, switchCompany, adopt],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const found = useContext(SessionContext);
  if (!found) throw new Error("useSession outside SessionProvider");
  return found;
}
