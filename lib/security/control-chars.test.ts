import { describe, expect, it } from "vitest";
import { ValidationError } from "../errors";
import { assertNoControlCharacters, controlCharacterIn, findControlCharacter, formControlCharacterErrors, nameString, visible } from "./control-chars";

describe("control characters in outside text", () => {
  it("free text keeps tab, line feed and carriage return and refuses every other control character", () => {
    expect(controlCharacterIn("line one\r\n\tline two")).toBeNull();
    expect(controlCharacterIn("Zürich – ☃ 😀 \u202e")).toBeNull(); // format characters and symbols are text
    for (const [text, char] of [["a\u0000b", "U+0000"], ["\u0001", "U+0001"], ["\u001b[31m", "U+001B"], ["\u007f", "U+007F"], ["\u0085", "U+0085"], ["\u000b", "U+000B"]]) {
      expect(controlCharacterIn(text!)).toBe(char);
    }
  });

  it("finds the field at any depth, in values and in keys, and names it", () => {
    expect(findControlCharacter({ card: { owner: "ok", labels: ["a", "b\u0000"] } })).toEqual({ field: "card.labels.1", char: "U+0000" });
    expect(findControlCharacter({ card: { ["own\u0000er"]: "x" } })).toEqual({ field: "card.own\\u0000er", char: "U+0000" });
    expect(findControlCharacter({ a: 1, b: [true, null], c: "fine\n" })).toBeNull();
  });

  it("refuses with a 400 that names the field and shows no raw control character", () => {
    let error: unknown;
    try {
      assertNoControlCharacters({ note: "x\u001b[2J" }, "A field is invalid");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toBe("A field is invalid: note contains the control character U+001B, which is not allowed.");
    expect((error as ValidationError).fieldErrors).toEqual({ note: "Contains the control character U+001B, which is not allowed." });
  });

  it("form errors: one per bad field, null when all are clean", () => {
    expect(formControlCharacterErrors({ name: "ok", note: "two\nlines" })).toBeNull();
    expect(formControlCharacterErrors({ name: "a\u0000", note: "b\u0007", fine: "c" })).toEqual({ name: expect.stringContaining("U+0000"), note: expect.stringContaining("U+0007") });
  });

  it("names are one line and name their limit", () => {
    const Name = nameString(80);
    expect(Name.safeParse("digits-cnn").success).toBe(true);
    for (const bad of ["a\tb", "a\nb", "a\u0000b"]) expect(Name.safeParse(bad).error?.issues[0]?.message).toMatch(/control character U\+00/);
    expect(Name.safeParse("x".repeat(81)).error?.issues[0]?.message).toBe("At most 80 characters");
    expect(visible("a\u0000\tb")).toBe("a\\u0000\\u0009b");
  });
});
