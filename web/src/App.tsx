// Routes: the pages anyone may open, and the signed-in console.
import { lazy, Suspense, type ReactNode } from "react";
import { Navigate, Route, Routes } from "react-router";
import { useSession } from "./api/session";
import { Layout } from "./components/Layout";
import { Loading } from "./components/ui";
import { ForgotPassword, Register, ResetPassword, SignIn, VerifyEmail } from "./pages/auth";
import { AcceptInvitation, CompanyPage, Profile } from "./pages/company";
import { DeclarationEditor, DeclarationList } from "./pages/declarations";
import { EdiPartnerDetail, EdiPartners } from "./pages/edi";
import { InvoiceDetail, InvoiceList } from "./pages/invoices";
import { LedgerAccountPage, LedgerPage } from "./pages/ledger";
import { AuditTrail, Compliance, TariffTables, WarehouseDetail, WarehouseList } from "./pages/operations";
import { PaymentsPage } from "./pages/payments";
import { PurchaseOrderDetail, PurchaseOrderList } from "./pages/purchase_orders";
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
  // Pages that read the account or the active company wait for them; the others load their data at once,
  // alongside the session's reads, which saves a round trip on the first paint of a deep link.
  const whenLoaded = (page: ReactNode) => (loaded ? page : <Loading />);
  return (
    <Layout>
      <Routes>
        <Route path="/" element={whenLoaded(<Navigate to={company ? "/shipments" : "/company"} replace />)} />
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
        <Route path="/purchase-orders" element={<PurchaseOrderList />} />
        <Route path="/purchase-orders/:id" element={<PurchaseOrderDetail />} />
        <Route path="/invoices" element={<InvoiceList />} />
        <Route path="/invoices/:id" element={<InvoiceDetail />} />
        <Route path="/compliance" element={<Compliance />} />
        <Route path="/payments" element={<PaymentsPage />} />
        <Route path="/audit" element={<AuditTrail />} />
        <Route path="/ledger" element={<LedgerPage />} />
        <Route path="/ledger/accounts/:id" element={<LedgerAccountPage />} />
        <Route path="/analytics" element={<Suspense fallback={<Loading />}><Analytics /></Suspense>} />
        <Route path="/company" element={whenLoaded(<CompanyPage />)} />
        <Route path="/invitations/accept" element={whenLoaded(<AcceptInvitation />)} />
        <Route path="/profile" element={whenLoaded(<Profile />)} />
        <Route path="/verify-email" element={<VerifyEmail />} />
        <Route path="*" element={<Navigate to="/" replace />} />
      </Routes>
    </Layout>
  );
}
