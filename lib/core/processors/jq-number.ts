/**
 * How jq 1.6 prints a number (jv_dump → jvp_dtoa_fmt): the shortest digits that round-trip, in exponent form
 * when the decimal point would sit 4+ places left of the first digit or more than 15 places right of the last,
 * with an exponent of at least two digits (`1e-05`, `1e+17`). Partition keys made from numbers must read the same
 * as on Firehose, whose engine is JQ-1.6 (spec §6), and the WASM jq builds are 1.7, which prints number literals
 * as they were written.
 */
export function formatJq16Number(value: number): string {
  if (Number.isNaN(value)) return 'null';
  if (!Number.isFinite(value)) return value > 0 ? '1.7976931348623157e+308' : '-1.7976931348623157e+308';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const sign = value < 0 ? '-' : '';
  // toExponential() without an argument gives the shortest round-tripping digits, as dtoa mode 0 does.
  const [mantissa, exponentText] = Math.abs(value).toExponential().split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  const decpt = Number(exponentText) + 1;
  if (decpt <= -4 || decpt > digits.length + 15) {
    const exponent = decpt - 1;
    const magnitude = String(Math.abs(exponent)).padStart(2, '0');
    const rest = digits.length > 1 ? `.${digits.slice(1)}` : '';
    return `${sign}${digits[0]}${rest}e${exponent < 0 ? '-' : '+'}${magnitude}`;
  }
  if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
  if (decpt >= digits.length) return `${sign}${digits}${'0'.repeat(decpt - digits.length)}`;
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}
