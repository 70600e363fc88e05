// Routes: the pages anyone may open, and the signed-in console.
import { lazy, Suspense } from "react";
import { Navigate, Route, Routes } from "react-router";
import { useSession } from "./api/session";
import { Layout } from "./components/Layout";
import { Loading } from "./components/ui";
import { ForgotPassword, Register, ResetPassword, SignIn, VerifyEmail } from "./pages/auth";
import { AcceptInvitation, CompanyPage, Profile } from "./pages/company";
import { DeclarationEditor, DeclarationList } from "./pages/declarations";
import { LedgerAccountPage, LedgerPage } from "./pages/ledger";
import { AuditTrail, Compliance, EdiPartnerDetail, EdiPartners, TariffTables, WarehouseDetail, WarehouseList } from "./pages/operations";
import { ShipmentDetail, ShipmentList } from "./pages/shipments";

const Analytics = lazy(() => import("./pages/analytics"));

export function App() {
  const { ready, signedIn, loaded, company } = useSession();
  if (!ready) return <Loading />;
  if (!signedIn) {
    return (
      <Routes>
        <Route path="/register" element={<Register />} />
        <Route path="/forgot-password" element={<ForgotPassword />} />
        <Route path="/reset-password" element={<ResetPassword />} />
        <Route path="/verify-email" element={<VerifyEmail />} />
        <Route path="*" element={<SignIn />} />
      </Routes>
    );
  }
  if (!loaded) return <Loading />;
  return (
    <Layout>
      <Routes>
        <Route path="/" element={<Navigate to={company ? "/shipments" : "/company"} replace />} />
        <Route path="/sign-in" element={<Navigate to="/" replace />} />
        <Route path="/shipments" element={<ShipmentList />} />
        <Route path="/shipments/:id" element={<ShipmentDetail />} />
        <Route path="/warehouses" element={<WarehouseList />} />
        <Route path="/warehouses/:id" element={<WarehouseDetail />} />
        <Route path="/edi" element={<EdiPartners />} />
        <Route path="/edi/:id" element={<EdiPartnerDetail />} />
        <Route path="/declarations" element={<DeclarationList />} />
        <Route path="/declarations/:id" element={<DeclarationEditor />} />
        <Route path="/tariff" element={<TariffTables />} />
        <Route path="/compliance" element={<Compliance />} />
        <Route path="/audit" element={<AuditTrail />} />
        <Route path="/ledger" element={<LedgerPage />} />
        <Route path="/ledger/accounts/:id" element={<LedgerAccountPage />} />
        <Route path="/analytics" element={<Suspense fallback={<Loading />}><Analytics /></Suspense>} />
        <Route path="/company" element={<CompanyPage />} />
        <Route path="/invitations/accept" element={<AcceptInvitation />} />
        <Route path="/profile" element={<Profile />} />
        <Route path="/verify-email" element={<VerifyEmail />} />
        <Route path="*" element={<Navigate to="/" replace />} />
      </Routes>
    </Layout>
  );
}
