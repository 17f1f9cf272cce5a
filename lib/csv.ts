// One CSV writer for every download (results.csv, the controls export): cells are always quoted, and a
// text cell a spreadsheet would run as a formula (it begins with = + - @, a tab or a carriage return)
// gets a leading apostrophe, as OWASP's "CSV injection" guidance recommends. Numbers we computed
// ourselves are written as they are, so a negative number stays a number.

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '""';
  if (typeof v === "number" || typeof v === "boolean") return `"${String(v)}"`;
  const safe = FORMULA_START.test(v) ? `'${v}` : v;
  return `"${safe.replace(/"/g, '""')}"`;
}

/** Rows (the first one is the header) as CSV text with CRLF line ends (RFC 4180). */
export function toCsv(rows: (string | number | boolean | null | undefined)[][]): string {
  return rows.map((r) => r.map(csvCell).join(",")).join("\r\n") + "\r\n";
}
