/**
 * The status the checkout page shows: the checkout's own, except a pending one whose last charge ended (expired
 * or failed, at Xendit or here) without paying it. The checkout stays pending (a late success may still pay
 * that charge) and the page offers the methods again: "waiting for your payment" above them told the payer to
 * wait while asking them to pay.
 */
export function shownStatus(status: string, paymentStatus: string | null | undefined): string {
  return status === "pending" && (paymentStatus === "expired" || paymentStatus === "failed")
    ? "charge_ended"
    : status;
}
