// CRC-64 as Redis computes it for DUMP payloads and RDB files: the "Jones" polynomial
// 0xad93d23594c935a9, bit-reflected input and output, initial value 0, no final xor
// (check value: crc64("123456789") = 0xe9c6d914c4b8d9ca).
//
// Table driven, one byte at a time, with the 64-bit register kept as two 32-bit halves so the
// inner loop stays in small integers (BigInt only builds the table and returns the result).

/** The polynomial, bit-reversed (the reflected form the right-shifting loop uses). */
const POLY_REFLECTED = 0x95ac9329ac4bc9b5n;

const TABLE_LO = new Uint32Array(256);
const TABLE_HI = new Uint32Array(256);

for (let n = 0; n < 256; n++) {
  let crc = BigInt(n);
  for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ POLY_REFLECTED : crc >> 1n;
  TABLE_LO[n] = Number(crc & 0xffffffffn);
  TABLE_HI[n] = Number(crc >> 32n);
}

/** CRC-64 of data[start, end), continuing from `crc` (0 to start). */
export function crc64(data: Uint8Array, crc = 0n, start = 0, end = data.length): bigint {
  let lo = Number(crc & 0xffffffffn);
  let hi = Number((crc >> 32n) & 0xffffffffn);
  for (let i = start; i < end; i++) {
    const idx = (lo ^ data[i]!) & 0xff;
    const nlo = ((lo >>> 8) | (hi << 24)) >>> 0;
    const nhi = hi >>> 8;
    lo = (nlo ^ TABLE_LO[idx]!) >>> 0;
    hi = (nhi ^ TABLE_HI[idx]!) >>> 0;
  }
  return (BigInt(hi) << 32n) | BigInt(lo);
}
