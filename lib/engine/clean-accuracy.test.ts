import { describe, expect, it } from "vitest";
import { cleanAccuracyCheck, cleanAccuracyWarning, wilsonInterval } from "./clean-accuracy";

const ten = { classes: 10, maxClassFrequency: 0.1 };

describe("clean-accuracy check (likely preprocessing mismatch)", () => {
  it("Wilson interval: textbook values and the edges", () => {
    // p = 0.176, n = 500, z = 1.96: centre (p + z²/2n)/(1 + z²/n) = 0.17847, half-width 0.03335.
    const [lo, hi] = wilsonInterval(88, 500);
    expect(lo).toBeCloseTo(0.1451, 3);
    expect(hi).toBeCloseTo(0.2118, 3);
    expect(wilsonInterval(0, 0)).toEqual([0, 1]);
    expect(wilsonInterval(0, 20)[0]).toBe(0);
    expect(wilsonInterval(20, 20)[1]).toBe(1);
  });

  it("the user's case: 17.6% clean over 500 digits, 10 classes, no stated accuracy — passes only because it is clearly above 10%", () => {
    // 88/500: the interval 14.5%–21.2% lies above chance, so chance alone does not flag it …
    expect(cleanAccuracyCheck({ samples: 500, cleanCorrect: 88, ...ten }).status).toBe("pass");
    // … but a card that states 98% turns it into a failure naming the mismatch.
    const c = cleanAccuracyCheck({ samples: 500, cleanCorrect: 88, ...ten, statedAccuracy: 0.98 });
    expect(c.status).toBe("fail");
    expect(c.explanation).toMatch(/17\.6% \(88 of 500; 95% interval 14\.5%–21\.2%\) is far below the 98\.0% the model card states/);
    expect(c.explanation).toMatch(/preprocessing mismatch/);
  });

  it("fails when the interval reaches chance (1/classes), e.g. 12 of 100 with 10 classes", () => {
    const c = cleanAccuracyCheck({ samples: 100, cleanCorrect: 12, ...ten });
    expect(c.status).toBe("fail");
    expect(c.explanation).toMatch(/cannot be told apart from chance \(10\.0%: 10 classes\)/);
  });

  it("fails below chance too (0% is as broken as 10%)", () => {
    expect(cleanAccuracyCheck({ samples: 500, cleanCorrect: 0, ...ten }).status).toBe("fail");
  });

  it("chance is the most frequent class's share when the sample is unbalanced", () => {
    // 60% on a sample where one class is 58%: what always answering that class scores.
    const c = cleanAccuracyCheck({ samples: 200, cleanCorrect: 120, classes: 2, maxClassFrequency: 0.58 });
    expect(c.status).toBe("fail");
    expect(c.explanation).toMatch(/the most frequent class is 58\.0% of the sample/);
    expect(cleanAccuracyCheck({ samples: 200, cleanCorrect: 190, classes: 2, maxClassFrequency: 0.58 }).status).toBe("pass");
  });

  it("a small sample cannot show a binary model is above chance: 14 of 20 fails, 19 of 20 passes", () => {
    const two = { classes: 2, maxClassFrequency: 0.5 };
    expect(cleanAccuracyCheck({ samples: 20, cleanCorrect: 14, ...two }).status).toBe("fail");
    expect(cleanAccuracyCheck({ samples: 20, cleanCorrect: 19, ...two }).status).toBe("pass");
  });

  it("a good model passes, with or without a stated accuracy it matches", () => {
    expect(cleanAccuracyCheck({ samples: 400, cleanCorrect: 383, ...ten }).status).toBe("pass");
    const c = cleanAccuracyCheck({ samples: 400, cleanCorrect: 383, ...ten, statedAccuracy: 0.96 });
    expect(c.status).toBe("pass");
    expect(c.explanation).toMatch(/consistent with the 96\.0% the model card states/);
  });

  it("warns when clearly (over 10 points) but not far below the stated accuracy", () => {
    // 80% measured, 99% stated: the top of the interval (83.5%) is more than 10 points short, not half the margin.
    const c = cleanAccuracyCheck({ samples: 500, cleanCorrect: 400, ...ten, statedAccuracy: 0.99 });
    expect(c.status).toBe("warn");
    expect(c.explanation).toMatch(/more than 10 percentage points below the 99\.0%/);
    // within 10 points of the stated figure: no warning
    expect(cleanAccuracyCheck({ samples: 500, cleanCorrect: 450, ...ten, statedAccuracy: 0.99 }).status).toBe("pass");
  });

  it("no examples: not applicable", () => {
    expect(cleanAccuracyCheck({ samples: 0, cleanCorrect: 0, ...ten }).status).toBe("pass");
  });
});

describe("cleanAccuracyWarning (what the results page, PDF and API show)", () => {
  it("a failed check becomes the mismatch warning, a warned one the softer one, a pass or an old report nothing", () => {
    const rel = (status: string) => ({ checks: [{ id: "gradients", status: "fail", explanation: "x" }, { id: "clean-accuracy", status, explanation: "Clean accuracy 17.6% …" }] });
    expect(cleanAccuracyWarning(rel("fail"))).toEqual({ status: "fail", headline: "Likely preprocessing mismatch: these figures are not a robustness result", explanation: "Clean accuracy 17.6% …" });
    expect(cleanAccuracyWarning(rel("warn"))?.headline).toMatch(/below the model card's figure/);
    expect(cleanAccuracyWarning(rel("pass"))).toBeNull();
    expect(cleanAccuracyWarning({ checks: [{ id: "gradients", status: "fail", explanation: "x" }] })).toBeNull();
    expect(cleanAccuracyWarning(null)).toBeNull();
  });
});
