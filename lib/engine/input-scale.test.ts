import { describe, expect, it } from "vitest";
import { impliedInputRange, inputScaleMismatch } from "./input-scale";

/** A model.json whose topology starts with `first` (after an optional InputLayer and Flatten). */
function modelJson(first: { class_name: string; config: Record<string, unknown> }, functional = false) {
  const layers = [
    ...(functional ? [{ class_name: "InputLayer", config: { name: "input_1", batch_input_shape: [null, 28, 28, 1] } }] : []),
    first,
    { class_name: "Flatten", config: { name: "flatten" } },
    { class_name: "Dense", config: { name: "dense", units: 10 } },
  ];
  return functional
    ? { modelTopology: { model_config: { class_name: "Functional", config: { name: "m", layers } } }, weightsManifest: [] }
    : { modelTopology: { class_name: "Sequential", config: { name: "m", layers } }, weightsManifest: [] };
}
const rescaling = (scale: unknown, offset: unknown = 0, name = "rescaling") => ({ class_name: "Rescaling", config: { name, scale, offset } });
const card = (min: number, max: number, preprocessing?: { scale: number; offset: number }) => ({ inputRange: { min, max }, preprocessing });

describe("input scale: the card's range against a Rescaling first layer", () => {
  it("the user's model: Rescaling(1/255) registered with 0..1 is refused, naming the layer, its scale and the card's range", () => {
    const m = inputScaleMismatch(modelJson(rescaling(1 / 255)), card(0, 1));
    expect(m).not.toBeNull();
    expect(m!.implied).toEqual([0, 255]);
    expect(m!.message).toMatch(/first layer, Rescaling "rescaling" \(scale 0\.003922 \(1\/255\), offset 0\), is built for inputs in about 0\.\.255/);
    expect(m!.message).toMatch(/the card's input range is 0\.\.1: the layer turns it into 0\.\.0\.003922, so every input reaches the model nearly blank/);
    expect(m!.message).toMatch(/set preprocessing scale 255 so the model receives 0\.\.255; if it is in 0\.\.255, give that as the input range/);
  });

  it("the same layer with 0..255, or 0..1 with the card's preprocessing × 255, is consistent", () => {
    expect(inputScaleMismatch(modelJson(rescaling(1 / 255)), card(0, 255))).toBeNull();
    expect(inputScaleMismatch(modelJson(rescaling(1 / 255)), card(0, 1, { scale: 255, offset: 0 }))).toBeNull();
  });

  it("the reverse: a layer built for 0..1 (×2 − 1) registered with 0..255 is refused", () => {
    const m = inputScaleMismatch(modelJson(rescaling(2, -1, "to_pm1")), card(0, 255));
    expect(m!.implied).toEqual([0, 1]);
    expect(m!.message).toMatch(/Rescaling "to_pm1" \(scale 2, offset -1\), is built for inputs in about 0\.\.1, but the card's input range is 0\.\.255: the layer turns it into -1\.\.509, far outside/);
    expect(inputScaleMismatch(modelJson(rescaling(2, -1)), card(0, 1))).toBeNull();
    // ×255 on 0..1 data is what that layer is for; on 0..255 data it is not.
    expect(inputScaleMismatch(modelJson(rescaling(255)), card(0, 1))).toBeNull();
    expect(inputScaleMismatch(modelJson(rescaling(255)), card(0, 255))).not.toBeNull();
  });

  it("the 1/127.5, offset −1 idiom expects 0..255; a card of −1..1 is refused, and preprocessing that reverses it is named", () => {
    expect(impliedInputRange(1 / 127.5, -1)).toEqual([0, 255]);
    expect(inputScaleMismatch(modelJson(rescaling(1 / 127.5, -1), true), card(0, 255))).toBeNull();
    const m = inputScaleMismatch(modelJson(rescaling(1 / 127.5, -1), true), card(-1, 1));
    expect(m!.message).toMatch(/scale 0\.007843 \(1\/127\.5\), offset -1\), is built for inputs in about 0\.\.255/);
    const viaPre = inputScaleMismatch(modelJson(rescaling(1 / 255)), card(0, 1, { scale: 2, offset: -1 }));
    expect(viaPre!.message).toMatch(/after the card's preprocessing × 2 \+ -1: -1\.\.1\).*Correct the card's input range or preprocessing so that the model receives values in about 0\.\.255/);
  });

  it("per-channel scales, tolerance and nothing to judge", () => {
    expect(inputScaleMismatch(modelJson(rescaling([1 / 255, 1 / 255, 1 / 255])), card(0, 1))).not.toBeNull();
    // within a factor 16: 0..32 on a 1/255 layer passes, 0..15 does not
    expect(inputScaleMismatch(modelJson(rescaling(1 / 255)), card(0, 32))).toBeNull();
    expect(inputScaleMismatch(modelJson(rescaling(1 / 255)), card(0, 15))).not.toBeNull();
    // identity, no Rescaling first, a Rescaling deeper in the model, unreadable input: nothing to say
    expect(inputScaleMismatch(modelJson(rescaling(1, 0.5)), card(0, 1))).toBeNull();
    expect(inputScaleMismatch(modelJson({ class_name: "Conv2D", config: { name: "c" } }), card(0, 1))).toBeNull();
    const deep = modelJson({ class_name: "Dense", config: { name: "d" } });
    (deep.modelTopology as { config: { layers: unknown[] } }).config.layers.push(rescaling(1 / 255));
    expect(inputScaleMismatch(deep, card(0, 1))).toBeNull();
    expect(inputScaleMismatch({}, card(0, 1))).toBeNull();
    expect(inputScaleMismatch(modelJson(rescaling("x")), card(0, 1))).toBeNull();
  });
});
