import { AttackSuiteSchema, quickSuite, standardSuite, suiteWarnings, type AttackSuite } from "../engine/suite";
import type { InputRange } from "../engine/card";
import { fieldErrorsFromZod, ValidationError } from "../errors";
import type { Preset } from "./schemas";
import { controlCharacterMessage, findControlCharacter } from "../security/control-chars";

/** Single-channel images in 0..1 or 0..255 (MNIST-like digits) get the digits budgets (Linf 0.1/0.2/0.3). */
export function dataDomain(inputShape: number[]): "digits" | "natural" {
  const channels = inputShape.length === 3 ? inputShape[2] : 1;
  return inputShape.length >= 2 && channels === 1 ? "digits" : "natural";
}

/** The suite an evaluation runs: a preset for the model's input range, or the custom JSON. */
export function buildSuite(opts: {
  preset: Preset;
  customSuite?: string;
  linfEpsilons?: number[];
  inputRange: InputRange;
  inputShape: number[];
  sampleCount: number;
  seed: number;
}): { suite: AttackSuite; warnings: string[] } {
  let suite: AttackSuite;
  if (opts.preset === "custom") {
    let raw: unknown;
    try {
      raw = JSON.parse(opts.customSuite || "");
    } catch {
      throw new ValidationError("The custom suite is not valid JSON.", { customSuite: "Paste a JSON attack suite (see the example)" });
    }
    // A JSON escape such as \u0000 decodes to a character the pasted text was checked for.
    const hit = findControlCharacter(raw);
    if (hit) throw new ValidationError(`The custom suite is invalid: ${hit.field} ${controlCharacterMessage(hit.char)}.`, { customSuite: `${hit.field} ${controlCharacterMessage(hit.char)}` });
    const parsed = AttackSuiteSchema.safeParse({ ...(raw as object), preset: "custom", sampleCount: opts.sampleCount, seed: opts.seed });
    if (!parsed.success) {
      const fe = fieldErrorsFromZod(parsed.error.issues);
      throw new ValidationError(`The custom suite is invalid: ${Object.entries(fe).map(([k, v]) => `${k}: ${v}`).join("; ")}`, { customSuite: Object.values(fe)[0] ?? "invalid" });
    }
    suite = parsed.data;
  } else {
    const make = opts.preset === "quick" ? quickSuite : standardSuite;
    suite = make(opts.inputRange, { sampleCount: opts.sampleCount, seed: opts.seed, domain: dataDomain(opts.inputShape) });
    if (opts.linfEpsilons?.length) suite = AttackSuiteSchema.parse({ ...suite, epsilons: { ...suite.epsilons, linf: [...new Set(opts.linfEpsilons)].sort((a, b) => a - b) } });
  }
  return { suite, warnings: suiteWarnings(suite, opts.inputRange, opts.inputShape) };
}
