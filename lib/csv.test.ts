import { describe, expect, it } from "vitest";
import { csvCell, toCsv } from "./csv";

describe("CSV cells", () => {
  it("prefixes every text cell a spreadsheet would take for a formula", () => {
    for (const s of ["=1+1", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "=HYPERLINK(\"http://x\")"]) expect(csvCell(s).startsWith(`"'`)).toBe(true);
    expect(csvCell("=HYPERLINK(\"x\")")).toBe(`"'=HYPERLINK(""x"")"`);
  });
  it("leaves ordinary text and our own numbers alone", () => {
    expect(csvCell("cat")).toBe('"cat"');
    expect(csvCell("a,b\nc")).toBe('"a,b\nc"');
    expect(csvCell(-0.5)).toBe('"-0.5"');
    expect(csvCell(true)).toBe('"true"');
    expect(csvCell(null)).toBe('""');
  });
  it("writes rows with CRLF line ends", () => {
    expect(toCsv([["a", "b"], [1, "-x"]])).toBe('"a","b"\r\n"1","\'-x"\r\n');
  });
});
