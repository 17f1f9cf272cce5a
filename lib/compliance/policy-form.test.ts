import { describe, expect, it } from "vitest";
import { formValues, formFieldOf, parseThresholds, policyFromForm } from "./policy-form";
import { defaultPolicy, PolicySchema } from "./policy";

describe("policy form", () => {
  it("round-trips the default policy through the form fields", () => {
    const p = defaultPolicy();
    expect(PolicySchema.parse(policyFromForm(formValues(p)))).toEqual(p);
  });
  it("parses threshold lines and refuses bad ones", () => {
    expect(parseThresholds("linf 0.1 60%\nL2 1.5 40")).toEqual([
      { metric: "worst-case-robust-accuracy", norm: "linf", eps: 0.1, min: 0.6 },
      { metric: "worst-case-robust-accuracy", norm: "l2", eps: 1.5, min: 0.4 },
    ]);
    const f = formValues(defaultPolicy());
    f["high.thresholds"] = "sixty percent please";
    const r = PolicySchema.safeParse(policyFromForm(f));
    expect(r.success).toBe(false);
    expect(formFieldOf(r.error!.issues[0].path.join("."))).toBe("high.thresholds");
    expect(formFieldOf("tiers.limited.requiredSuite.minSampleCount")).toBe("limited.minSampleCount");
  });
  it("carries the production monitoring thresholds, so saving the form keeps them", () => {
    const p = defaultPolicy();
    const f = formValues({ ...p, monitoring: { ...p.monitoring, psiWarning: 0.15, psiCritical: 0.4, resolveAfterBatches: 5 } });
    expect(f["monitoring.psiWarning"]).toBe("0.15");
    const back = PolicySchema.parse(policyFromForm(f));
    expect(back.monitoring).toEqual({ ...p.monitoring, psiWarning: 0.15, psiCritical: 0.4, resolveAfterBatches: 5 });
    f["monitoring.ksPValue"] = "";
    const r = PolicySchema.safeParse(policyFromForm(f));
    expect(r.success).toBe(false);
    expect(formFieldOf(r.error!.issues[0].path.join("."))).toBe("monitoring.ksPValue");
  });
});
