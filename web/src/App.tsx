// Routes: the pages anyone may open, and the signed-in console.
import { lazy, Suspense, useEffect, useState, type ComponentType, type ReactNode } from "react";
import { Navigate, Route, Routes, useNavigate } from "react-router";
import { useSession } from "./api/session";
import { Layout } from "./components/Layout";
import { Loading } from "./components/ui";
import { ForgotPassword, Register, ResetPassword, SignIn, VerifyEmail } from "./pages/auth";
// Each page's code loads when it is first opened, so the first load carries only the shell and the
// page asked for (what its time to interactive pays for). A page whose code has already arrived renders
// at once: through React.lazy it would suspend for a tick, and React holds a revealed Suspense boundary
// back for up to 300 ms, which the first paint of a deep link would pay on top of the data.
interface Chunk<M> {
  (): Promise<M>;
  module?: M;
}

function chunk<M>(load: () => Promise<M>): Chunk<M> {
  let pending: Promise<M> | undefined;
  const loader: Chunk<M> = () => (pending ??= load().then((module) => (loader.module = module)));
  return loader;
}

function page<M>(load: Chunk<M>, name: keyof M & string): ComponentType {
  const Lazy = lazy(async () => ({ default: (await load())[name] as ComponentType }));
  return function Page() {
    // Chosen once per mount: switching from Lazy to the module's component later would remount the page
    // and lose what the user is typing.
    const [Component] = useState(() => (load.module ? (load.module[name] as ComponentType) : Lazy));
    return <Component />;
  };
}
const company = chunk(() => import("./pages/company"));
const declarations = chunk(() => import("./pages/declarations"));
const documents = chunk(() => import("./pages/documents"));
const edi = chunk(() => import("./pages/edi"));
const invoices = chunk(() => import("./pages/invoices"));
const ledger = chunk(() => import("./pages/ledger"));
const operations = chunk(() => import("./pages/operations"));
const purchaseOrders = chunk(() => import("./pages/purchase_orders"));
const shipments = chunk(() => import("./pages/shipments"));
const chat = chunk(() => import("./pages/chat"));
const notifications = chunk(() => import("./pages/notifications"));
// The page a (re)load opens starts loading at once, alongside the session's refresh, not after it.
const FIRST_SEGMENT: Record<string, () => Promise<unknown>> = {
  "": shipments, shipments, declarations, edi, invoices, ledger, company, profile: company,
  warehouses: operations, tariff: operations, compliance: operations, audit: operations,
  "purchase-orders": purchaseOrders, documents, chat, "refund-claims": declarations, notifications,
};
void FIRST_SEGMENT[window.location.pathname.split("/")[1] ?? ""]?.();
const AcceptInvitation = page(company, "AcceptInvitation");
const CompanyPage = page(company, "CompanyPage");
const Profile = page(company, "Profile");
const DeclarationEditor = page(declarations, "DeclarationEditor");
const DeclarationList = page(declarations, "DeclarationList");
const RefundClaims = page(declarations, "RefundClaims");
const DocumentDetail = page(documents, "DocumentDetail");
const DocumentList = page(documents, "DocumentList");
const EdiPartnerDetail = page(edi, "EdiPartnerDetail");
const EdiPartners = page(edi, "EdiPartners");
const InvoiceDetail = page(invoices, "InvoiceDetail");
const InvoiceList = page(invoices, "InvoiceList");
const LedgerAccountPage = page(ledger, "LedgerAccountPage");
const LedgerPage = page(ledger, "LedgerPage");
const AuditTrail = page(operations, "AuditTrail");
const Compliance = page(operations, "Compliance");
const TariffTables = page(operations, "TariffTables");
const WarehouseDetail = page(operations, "WarehouseDetail");
const WarehouseList = page(operations, "WarehouseList");
const PaymentsPage = page(chunk(() => import("./pages/payments")), "PaymentsPage");
const ReportsPage = page(chunk(() => import("./pages/reports")), "ReportsPage");
const PurchaseOrderDetail = page(purchaseOrders, "PurchaseOrderDetail");
const PurchaseOrderList = page(purchaseOrders, "PurchaseOrderList");
const ShipmentDetail = page(shipments, "ShipmentDetail");
const ShipmentList = page(shipments, "ShipmentList");
const ChatPage = page(chat, "ChatPage");
const NotificationInbox = page(notifications, "NotificationInbox");
const NotificationPreferences = page(notifications, "NotificationPreferences");

const Analytics = lazy(() => import("./pages/analytics"));

/** "/" sends the user to their start page once the session has loaded, unless they have already gone elsewhere:
 * a link clicked meanwhile changes the address at once, while its page (still loading, in a transition) leaves
 * this route on screen, and a plain <Navigate> here would then take the user back. */
function Home({ to }: { to: string }) {
  const navigate = useNavigate();
  useEffect(() => {
    if (window.location.pathname === "/") void navigate(to, { replace: true });
  }, [navigate, to]);
  return <Loading />;
}

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
      <Suspense fallback={<Loading />}>
      <Routes>
        <Route path="/" element={whenLoaded(<Home to={company ? "/shipments" : "/company"} />)} />
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
        <Route path="/documents" element={<DocumentList />} />
        <Route path="/documents/:id" element={<DocumentDetail />} />
        <Route path="/compliance" element={<Compliance />} />
        <Route path="/refund-claims" element={<RefundClaims />} />
        <Route path="/reports" element={<ReportsPage />} />
        <Route path="/payments" element={<PaymentsPage />} />
        <Route path="/audit" element={<AuditTrail />} />
        <Route path="/ledger" element={<LedgerPage />} />
        <Route path="/ledger/accounts/:id" element={<LedgerAccountPage />} />
        <Route path="/analytics" element={<Analytics />} />
        <Route path="/chat" element={<ChatPage />} />
        <Route path="/chat/:id" element={whenLoaded(<ChatPage />)} />
        <Route path="/notifications" element={<NotificationInbox />} />
        <Route path="/notifications/preferences" element={<NotificationPreferences />} />
        <Route path="/company" element={whenLoaded(<CompanyPage />)} />
        <Route path="/invitations/accept" element={whenLoaded(<AcceptInvitation />)} />
        <Route path="/profile" element={whenLoaded(<Profile />)} />
        <Route path="/verify-email" element={<VerifyEmail />} />
        <Route path="*" element={<Navigate to="/" replace />} />
      </Routes>
      </Suspense>
    </Layout>
  );
}
