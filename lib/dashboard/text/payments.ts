/**
 * The words of a project's payments page (…/payments) and its live list — also drawn by the PaymentsLive island,
 * so this module imports only the browser-safe catalogue helper.
 */
import { catalogue } from "./catalogue.ts";

export const PAYMENTS_TEXT = catalogue({
  title: "Payments",
  scope: "Checkouts and payments of this project's {mode} mode only; amounts in whole rupiah. {receipts}",
  receiptsLink: "Receipts and refunds",
  last30Days: "Last 30 days",
  signupsPerDay: "Sign-ups per day",
  revenueByMethod: "Revenue by method",
  last12Months: "Last 12 months",
  mrrAndChurn: "MRR and churn by month",
  status: "Status",
  method: "Method",
  any: "any",
  filter: "Filter",
  emptyTitle: "No payments yet",
  emptyAction: "Open the hosted plan picker",
  emptyMore: "How payments work",
  emptyWhat:
    "Each checkout your users start — QRIS, GoPay, OVO or a virtual account — shows here and updates live.",
  emptySandbox:
    "In sandbox mode, pick a paid plan on the plan picker, choose a method, and press Simulate payment on the checkout page: no money moves and the payment lands here.",
  emptyProduction:
    "Your users reach the checkout from the hosted plan picker or your app's own button (POST /api/platform/checkouts).",
  emptyNeedsPlan: "The picker needs a paid plan: {plans}.",
  plans: "Plans",
  newest: "Newest",
  older: "Older payments",
  // The live list (islands/PaymentsLive.tsx) and its table (components/dashboard/PaymentRows.tsx).
  liveIdle: "Reload the page to see new payments.",
  liveOn: "Live: new payments appear at the top as they happen.",
  liveLost: "Live feed interrupted; reconnecting…",
  none: "No payments yet.",
  columnStatus: "Status",
  columnMethod: "Method",
  columnAmount: "Amount",
  columnUser: "User",
  columnPlan: "Plan",
  columnCreated: "Created",
  columnPaid: "Paid",
  user: "user {sub}",
  methodDirectDebit: "Direct debit",
  methodCard: "Card",
  methodVirtualAccount: "Virtual account",
  // A charge the billing pass ended itself (api.abandon_charge), which otherwise looks like Xendit's expiry.
  abandoned:
    "Ended here on {at}: Xendit still called it pending past its horizon ({horizon}). A payment Xendit reports later is still applied. (audit log: payment.charge_abandoned)",
}, {
  title: "Pembayaran",
  scope: "Checkout dan pembayaran mode {mode} proyek ini saja; jumlah dalam rupiah bulat. {receipts}",
  receiptsLink: "Kuitansi dan pengembalian dana",
  last30Days: "30 hari terakhir",
  signupsPerDay: "Pendaftaran per hari",
  revenueByMethod: "Pendapatan per metode",
  last12Months: "12 bulan terakhir",
  mrrAndChurn: "MRR dan churn per bulan",
  status: "Status",
  method: "Metode",
  any: "semua",
  filter: "Saring",
  emptyTitle: "Belum ada pembayaran",
  emptyAction: "Buka pemilih paket hosted",
  emptyMore: "Cara kerja pembayaran",
  emptyWhat:
    "Setiap checkout yang dimulai pengguna Anda — QRIS, GoPay, OVO, atau virtual account — tampil di sini dan diperbarui langsung.",
  emptySandbox:
    "Di mode sandbox, pilih paket berbayar di pemilih paket, pilih metode, lalu tekan Simulate payment di halaman checkout: tidak ada uang yang berpindah dan pembayarannya muncul di sini.",
  emptyProduction:
    "Pengguna Anda sampai ke checkout dari pemilih paket hosted atau tombol aplikasi Anda sendiri (POST /api/platform/checkouts).",
  emptyNeedsPlan: "Pemilih paket memerlukan paket berbayar: {plans}.",
  plans: "Paket",
  newest: "Terbaru",
  older: "Pembayaran sebelumnya",
  liveIdle: "Muat ulang halaman untuk melihat pembayaran baru.",
  liveOn: "Langsung: pembayaran baru muncul di atas begitu terjadi.",
  liveLost: "Siaran langsung terputus; menyambung lagi…",
  none: "Belum ada pembayaran.",
  columnStatus: "Status",
  columnMethod: "Metode",
  columnAmount: "Jumlah",
  columnUser: "Pengguna",
  columnPlan: "Paket",
  columnCreated: "Dibuat",
  columnPaid: "Dibayar",
  user: "pengguna {sub}",
  methodDirectDebit: "Debit langsung",
  methodCard: "Kartu",
  // The term Indonesian banks and Xendit use as is ("BCA Virtual Account").
  methodVirtualAccount: "Virtual account",
  abandoned:
    "Diakhiri di sini pada {at}: Xendit masih menyebutnya tertunda setelah batas waktunya ({horizon}). Pembayaran yang dilaporkan Xendit kemudian tetap diterapkan. (log audit: payment.charge_abandoned)",
});
