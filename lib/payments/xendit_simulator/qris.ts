/** QRIS payloads (EMVCo merchant-presented QR) the simulator hands out, with a valid CRC so scanners accept them. */

function field(id: string, value: string): string {
  return id + String(value.length).padStart(2, "0") + value;
}

/** CRC-16/CCITT-FALSE over the payload including "6304", as EMVCo requires. */
export function crc16(text: string): string {
  let crc = 0xffff;
  for (const byte of new TextEncoder().encode(text)) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc.toString(16).toUpperCase().padStart(4, "0");
}

/** A dynamic QRIS string for `amount` rupiah, tagged with the payment request id. */
export function qrisString(amount: number, reference: string): string {
  const body = [
    field("00", "01"),
    field("01", "12"), // dynamic: one payment
    field(
      "26",
      field("00", "ID.CO.XENDIT.WWW") + field("01", "936000000000000000") + field("02", "SIMULATOR"),
    ),
    field("52", "5999"),
    field("53", "360"), // IDR
    field("54", String(amount)),
    field("58", "ID"),
    field("59", "ASTAPA SIMULATOR"),
    field("60", "JAKARTA"),
    field("62", field("05", reference.slice(0, 25))),
  ].join("") + "6304";
  return body + crc16(body);
}
