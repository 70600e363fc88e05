// What the platform's events and objects are called in each language, and the audit trail's one-line summary.
// Pure, so it is unit-tested; an event missing here still reads, as its name split into words.
import type { Locale } from "./format";

type Names = Readonly<Record<string, readonly [ru: string, en: string]>>;

// Event name (without its domain) -> [Russian, English].
const EVENTS: Names = {
  UserAccountRegistered: ["Зарегистрирован пользователь", "Account registered"],
  UserAuthenticated: ["Вход в систему", "Signed in"],
  UserLoggedOut: ["Выход из системы", "Signed out"],
  UserPasswordChanged: ["Пароль изменён", "Password changed"],
  PasswordResetRequested: ["Запрошен сброс пароля", "Password reset requested"],
  UserEmailVerified: ["Почта подтверждена", "Email verified"],
  UserProfileUpdated: ["Профиль изменён", "Profile updated"],
  UserAccountDeleted: ["Учётная запись удалена", "Account deleted"],
  CompanyCreated: ["Компания создана", "Company created"],
  CompanyDetailsUpdated: ["Реквизиты компании изменены", "Company details updated"],
  CompanyArchived: ["Компания в архиве", "Company archived"],
  CompanyUnarchived: ["Компания возвращена из архива", "Company restored"],
  ParticipantAdded: ["Добавлен участник", "Participant added"],
  ParticipantRemoved: ["Участник удалён", "Participant removed"],
  ParticipantRoleChanged: ["Роль участника изменена", "Participant's role changed"],
  ParticipantInvited: ["Отправлено приглашение", "Participant invited"],
  InvitationAccepted: ["Приглашение принято", "Invitation accepted"],
  InvitationRevoked: ["Приглашение отозвано", "Invitation revoked"],
  ShipmentCreated: ["Перевозка создана", "Shipment created"],
  PartiesSet: ["Указаны отправитель и получатель", "Shipper and consignee set"],
  IncotermSet: ["Условия поставки изменены", "Incoterm set"],
  RoutePlanned: ["Маршрут запланирован", "Route planned"],
  ShipmentBooked: ["Перевозка забронирована", "Shipment booked"],
  TransportDocumentRecorded: ["Транспортный документ записан", "Transport document recorded"],
  EquipmentAttached: ["Контейнер добавлен", "Equipment attached"],
  EquipmentDetached: ["Контейнер снят", "Equipment detached"],
  CargoItemDeclared: ["Груз описан", "Cargo item declared"],
  CargoItemRemoved: ["Грузовое место удалено", "Cargo item removed"],
  MilestonePlanned: ["Этап запланирован", "Milestone planned"],
  MilestoneReached: ["Этап пройден", "Milestone reached"],
  TransportEventNoted: ["Событие перевозчика", "Transport event noted"],
  ExceptionRaised: ["Отклонение зафиксировано", "Exception raised"],
  ExceptionResolved: ["Отклонение устранено", "Exception resolved"],
  ShipmentCancelled: ["Перевозка отменена", "Shipment cancelled"],
  WarehouseRegistered: ["Склад зарегистрирован", "Warehouse registered"],
  LocationAdded: ["Ячейка добавлена", "Location added"],
  StockReceived: ["Приёмка товара", "Stock received"],
  StockPutAway: ["Товар размещён", "Stock put away"],
  StockMoved: ["Товар перемещён", "Stock moved"],
  StockPicked: ["Товар отобран", "Stock picked"],
  StockDispatched: ["Товар отгружен", "Stock dispatched"],
  PartnerRegistered: ["EDI-партнёр зарегистрирован", "EDI partner registered"],
  PartnerSettingsChanged: ["Настройки EDI-партнёра изменены", "EDI partner settings changed"],
  ApiKeyIssued: ["Выпущен API-ключ", "API key issued"],
  ApiKeyRevoked: ["API-ключ отозван", "API key revoked"],
  InterchangeRecorded: ["Обработано EDI-сообщение", "EDI interchange recorded"],
  UnknownStatusReceived: ["Получен неизвестный код статуса", "Unknown status code received"],
  DeclarationCreated: ["Декларация создана", "Declaration created"],
  HeaderUpdated: ["Общие сведения декларации изменены", "Declaration header updated"],
  PartySet: ["Участник декларации указан", "Declaration party set"],
  PartyRemoved: ["Участник декларации удалён", "Declaration party removed"],
  CustomsRepresentativeSet: ["Указан таможенный представитель", "Customs representative set"],
  TransportUpdated: ["Сведения о транспорте изменены", "Transport updated"],
  GoodsItemAdded: ["Товар добавлен", "Goods item added"],
  GoodsItemUpdated: ["Товар изменён", "Goods item updated"],
  GoodsItemRemoved: ["Товар удалён", "Goods item removed"],
  DocumentAttached: ["Документ приложен", "Document attached"],
  DocumentRemoved: ["Документ удалён", "Document removed"],
  DeclarationReturnedToDraft: ["Декларация возвращена в черновик", "Declaration returned to draft"],
  DeclarationValidated: ["Декларация проверена", "Declaration validated"],
  DeclarationValidationFailed: ["Проверка декларации: есть ошибки", "Declaration validation failed"],
  ComplianceChanged: ["Комплект документов изменился", "Compliance changed"],
  DeclarationSubmitted: ["Декларация подана", "Declaration submitted"],
  DeclarationRegistered: ["Декларация зарегистрирована таможней", "Declaration registered by customs"],
  DeclarationReleased: ["Выпуск товаров разрешён", "Goods released by customs"],
  DeclarationRejected: ["В выпуске отказано", "Release refused"],
  CorrectionRequested: ["Запрошена корректировка", "Correction requested"],
  CorrectionApplied: ["Корректировка внесена", "Correction applied"],
  ReconciliationFindingRecorded: ["Расхождение по таможенным платежам", "Duty reconciliation finding"],
  GatewayCredentialIssued: ["Выдан ключ таможенного шлюза", "Customs gateway credential issued"],
  GatewayCredentialRevoked: ["Ключ таможенного шлюза отозван", "Customs gateway credential revoked"],
  TableLoaded: ["Загружена таблица тарифов", "Tariff table loaded"],
  ClassificationConfirmed: ["Код ТН ВЭД подтверждён", "Commodity code confirmed"],
  DutyPaymentRequested: ["Запрошена уплата таможенных платежей", "Duty payment requested"],
  DutyPaid: ["Таможенные платежи уплачены", "Duties paid"],
  DutyPaymentRefused: ["Уплата таможенных платежей не прошла", "Duty payment refused"],
  PaymentRequested: ["Платёж создан", "Payment requested"],
  IncomingPaymentRecorded: ["Поступил платёж", "Incoming payment recorded"],
  PaymentApproved: ["Платёж утверждён", "Payment approved"],
  PaymentRejected: ["Платёж отклонён", "Payment rejected"],
  PaymentReserved: ["Средства под платёж зарезервированы", "Payment reserved"],
  PaymentSent: ["Платёж отправлен в банк", "Payment sent"],
  PaymentSettled: ["Платёж проведён банком", "Payment settled"],
  PaymentReturned: ["Платёж возвращён", "Payment returned"],
  PaymentCancelled: ["Платёж отменён", "Payment cancelled"],
  StatementImported: ["Загружена банковская выписка", "Bank statement imported"],
  StatementLineMatched: ["Строка выписки сопоставлена", "Statement line matched"],
  ConversionQuoted: ["Получена котировка конверсии", "Conversion quoted"],
  DealAgreed: ["Конверсия согласована", "FX deal agreed"],
  DealSettled: ["Конверсия исполнена", "FX deal settled"],
  LedgerOpened: ["Открыта главная книга", "Ledger opened"],
  AccountOpened: ["Открыт счёт учёта", "Account opened"],
  TransfersRecorded: ["Проводки записаны", "Transfers recorded"],
  PendingTransferPosted: ["Резерв проведён", "Pending transfer posted"],
  PendingTransferVoided: ["Резерв снят", "Pending transfer voided"],
  PendingTransferExpired: ["Резерв истёк", "Pending transfer expired"],
  TransferReversed: ["Проводка сторнирована", "Transfer reversed"],
  PurchaseOrderCreated: ["Заказ поставщику создан", "Purchase order created"],
  PurchaseOrderEdited: ["Заказ поставщику изменён", "Purchase order edited"],
  PurchaseOrderApproved: ["Заказ поставщику утверждён", "Purchase order approved"],
  PrepaymentRequested: ["Запрошена предоплата", "Prepayment requested"],
  PrepaymentSettled: ["Предоплата проведена", "Prepayment settled"],
  PurchaseOrderReopened: ["Заказ поставщику возвращён в работу", "Purchase order reopened"],
  PurchaseOrderSent: ["Заказ отправлен поставщику", "Purchase order sent"],
  PurchaseOrderConfirmed: ["Поставщик подтвердил заказ", "Purchase order confirmed"],
  GoodsReceived: ["Товары получены", "Goods received"],
  PurchaseOrderClosed: ["Заказ поставщику закрыт", "Purchase order closed"],
  PurchaseOrderCancelled: ["Заказ поставщику отменён", "Purchase order cancelled"],
  ShipmentLinked: ["Заказ связан с перевозкой", "Shipment linked"],
  DeclarationLinked: ["Заказ связан с декларацией", "Declaration linked"],
  OrderFactsShared: ["Сведения заказа переданы", "Order facts shared"],
  SupplierInvoiceReceived: ["Получен счёт поставщика", "Supplier invoice received"],
  InvoiceMatched: ["Счёт сверен с заказом и приёмкой", "Invoice matched"],
  InvoiceMismatched: ["Расхождения счёта с заказом или приёмкой", "Invoice mismatched"],
  MismatchAccepted: ["Расхождения по счёту приняты", "Mismatch accepted"],
  PaymentScheduled: ["Оплата счёта запланирована", "Payment scheduled"],
  InvoiceDrafted: ["Черновик счёта создан", "Invoice drafted"],
  DraftEdited: ["Черновик счёта изменён", "Draft edited"],
  IssueRequested: ["Запрошено выставление счёта", "Issue requested"],
  InvoiceIssued: ["Счёт выставлен", "Invoice issued"],
  CreditApplied: ["Зачтена корректировка", "Credit applied"],
  InvoicePaymentRecorded: ["Оплата по счёту учтена", "Invoice payment recorded"],
  InvoiceVoided: ["Счёт аннулирован", "Invoice voided"],
  InvoiceNumberAssigned: ["Присвоен номер счёта", "Invoice number assigned"],
  DocumentUploaded: ["Документ загружен", "Document uploaded"],
  VersionAdded: ["Загружена новая версия документа", "Version added"],
  DocumentLinked: ["Документ связан", "Document linked"],
  DocumentUnlinked: ["Связь документа снята", "Document unlinked"],
  ExpirySet: ["Указан срок действия", "Expiry set"],
  RecognitionRecorded: ["Документ распознан", "Document recognised"],
  RecognitionFailed: ["Документ не распознан", "Recognition failed"],
  FieldVerified: ["Поле документа проверено", "Field verified"],
  VerificationCompleted: ["Проверка документа завершена", "Verification completed"],
  DocumentArchived: ["Документ в архиве", "Document archived"],
  TemplateDefined: ["Шаблон документа создан", "Template defined"],
  TemplateRevised: ["Шаблон документа изменён", "Template revised"],
  TemplateRetired: ["Шаблон документа выведен", "Template retired"],
  ConversationOpened: ["Открыт разговор", "Conversation opened"],
  ConversationAccepted: ["Разговор принят", "Conversation accepted"],
  MemberAdded: ["Участник добавлен в разговор", "Member added"],
  MemberRemoved: ["Участник удалён из разговора", "Member removed"],
  MessagePosted: ["Сообщение отправлено", "Message posted"],
  MessageEdited: ["Сообщение изменено", "Message edited"],
  MessageDeleted: ["Сообщение удалено", "Message deleted"],
  ReadMarked: ["Сообщения прочитаны", "Marked read"],
  ReportScheduleSet: ["Расписание отчётов изменено", "Report schedule set"],
};

const OBJECTS: Names = {
  user_account: ["Пользователь", "User"],
  company: ["Компания", "Company"],
  shipment: ["Перевозка", "Shipment"],
  warehouse: ["Склад", "Warehouse"],
  edi_partner: ["EDI-партнёр", "EDI partner"],
  customs_declaration: ["Декларация", "Declaration"],
  customs_tariff: ["Тарифы", "Tariff"],
  customs_gateway: ["Таможенный шлюз", "Customs gateway"],
  payment: ["Платёж", "Payment"],
  bank_statement: ["Банковская выписка", "Bank statement"],
  fx: ["Конверсия", "FX deal"],
  ledger: ["Главная книга", "Ledger"],
  purchase_order: ["Заказ поставщику", "Purchase order"],
  invoice: ["Счёт", "Invoice"],
  invoice_numbering: ["Нумерация счетов", "Invoice numbering"],
  document: ["Документ", "Document"],
  document_template: ["Шаблон документа", "Document template"],
  chat: ["Разговор", "Conversation"],
  report_schedule: ["Расписание отчётов", "Report schedule"],
};

/** "DeclarationValidationFailed" -> "Declaration validation failed": the last resort for a name not listed. */
export function words(name: string): string {
  const split = name.replace(/_/g, " ").replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase().trim();
  return split.charAt(0).toUpperCase() + split.slice(1);
}

function pick(names: Names, key: string, locale: Locale): string {
  const found = names[key];
  return found ? found[locale === "ru" ? 0 : 1] : words(key);
}

/** The event's name for people, from its type ("shipment.ShipmentBooked" or "ShipmentBooked"). */
export function eventName(type: string, locale: Locale): string {
  return pick(EVENTS, type.slice(type.lastIndexOf(".") + 1), locale);
}

export function objectName(aggregateType: string, locale: Locale): string {
  return pick(OBJECTS, aggregateType, locale);
}

export interface AuditEntry {
  event_type: string;
  aggregate_type: string;
  aggregate_id: string;
  actor_id: string | null;
  actor_name?: string | null;
  changes?: Record<string, unknown> | null;
}

/** Who acted, as people read it: a name, else what kind of actor it is (never a bare id). */
export function actorName(entry: Pick<AuditEntry, "actor_id" | "actor_name">, locale: Locale): string {
  if (entry.actor_name) return entry.actor_name;
  const actor = entry.actor_id ?? "";
  const ru = locale === "ru";
  if (!actor) return ru ? "Платформа" : "The platform";
  if (actor.startsWith("edi:")) return ru ? "EDI-партнёр" : "EDI partner";
  if (actor.startsWith("operator:")) return `${ru ? "Оператор платформы" : "Platform operator"} (${actor.slice(9)})`;
  if (actor.startsWith("gateway:") || actor.startsWith("customs")) return ru ? "Таможенный шлюз" : "Customs gateway";
  return ru ? "Пользователь" : "User";
}

const NAMING_FIELDS = ["reference", "code", "name", "legal_name", "email", "header.reference", "sku"];
const SUMMARY_FIELDS = 3;

function shown(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

/** One line: the object (by its reference, code or name when the event carries one) and the first changes. */
export function auditSummary(entry: AuditEntry, locale: Locale): string {
  const changes = entry.changes ?? {};
  const naming = NAMING_FIELDS.map((field) => changes[field]).find((v) => typeof v === "string" && v);
  const object = `${objectName(entry.aggregate_type, locale)} ${naming ? shown(naming) : entry.aggregate_id.slice(0, 8)}`;
  const details = Object.entries(changes)
    .filter(([field]) => !NAMING_FIELDS.includes(field))
    .slice(0, SUMMARY_FIELDS)
    .map(([field, value]) => `${field}: ${shown(value)}`);
  return details.length ? `${object} — ${details.join("; ")}` : object;
}
