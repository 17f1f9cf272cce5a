import * as tf from "@tensorflow/tfjs";
import * as ort from "onnxruntime-node";
import { beforeAll, describe, expect, it } from "vitest";
import { initEngineBackend } from "../backend";
import type { EngineCard } from "../card";
import { compileOnnx, loadOnnxModel } from "./executor";
import { parseOnnx } from "./graph";
import { buildOnnx, externalBytes, pytorchStyleCnn as cnn } from "./testing";
import { compareWithReference, validateOnnxForEngine } from "./validate";

/* The registry's ONNX check: acceptance, every refusal the issue lists, and where engine and reference part. */

beforeAll(async () => { await initEngineBackend("cpu"); });

const card = (over: Partial<EngineCard> = {}): EngineCard => ({
  inputShape: [8, 8, 3], inputRange: { min: 0, max: 1 }, preprocessing: "none", classLabels: ["a", "b", "c"], inputLayout: "NCHW",
  normalization: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }, ...over,
});

describe("validateOnnxForEngine", () => {
  it("accepts a PyTorch-style CNN, compares it with ONNX Runtime and reports the agreement", async () => {
    const v = await validateOnnxForEngine({ onnx: buildOnnx(cnn()) }, card());
    expect(v.errors).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.info?.numClasses).toBe(3);
    expect(v.info?.droppedSoftmax).toBe(true);
    expect(v.reference!.samples).toBe(4);
    expect(v.reference!.maxAbsDiff).toBeLessThan(v.reference!.tolerance);
    expect(v.opset).toBe(17);
  });

  it("applies scale/offset, per-channel mean/std and NCHW inside the model, so inputs stay in the card's pixel space", async () => {
    const bytes = buildOnnx(cnn());
    const c = card({ preprocessing: { scale: 2, offset: -0.5 } });
    const m = await loadOnnxModel({ onnx: bytes }, c);
    const x = tf.randomUniform([2, 8, 8, 3], 0, 1, "float32", 9);
    const ours = await m.predictProbs(tf.add(tf.mul(x, 2), -0.5)).data();
    // The same preprocessing written out by hand, then ONNX Runtime on the NCHW tensor.
    const pre = tf.tidy(() => tf.transpose(tf.div(tf.sub(tf.add(tf.mul(x, 2), -0.5), [0.485, 0.456, 0.406]), [0.229, 0.224, 0.225]), [0, 3, 1, 2]));
    const s = await ort.InferenceSession.create(bytes);
    const ref = (await s.run({ x: new ort.Tensor("float32", (await pre.data()) as Float32Array, [2, 3, 8, 8]) })).y.data as Float32Array;
    await s.release();
    for (let i = 0; i < ref.length; i++) expect(Math.abs(ours[i] - ref[i])).toBeLessThan(1e-5);
    // The gradient is taken w.r.t. the pixel-space input, through the normalisation.
    const g = tf.grad((xx: tf.Tensor) => tf.sum(m.logits(xx)))(x);
    expect(g.shape).toEqual([2, 8, 8, 3]);
    m.dispose();
  });

  it("refuses unsupported operators, naming each with its nodes and pointing to the black-box path", async () => {
    const model = cnn({
      extra: {
        nodes: [],
        initializers: {},
      },
    });
    model.nodes.splice(3, 0,
      { op: "Einsum", inputs: ["r1"], outputs: ["e1"], attrs: { equation: "nchw->nchw" }, name: "/einsum_a" },
      { op: "Einsum", inputs: ["e1"], outputs: ["e2"], attrs: { equation: "nchw->nchw" }, name: "/einsum_b" },
      { op: "MyOp", domain: "com.example", inputs: ["e2"], outputs: ["e3"], name: "/custom" },
    );
    model.nodes[6].inputs = ["e3"]; // MaxPool reads the custom op's output
    const v = await validateOnnxForEngine({ onnx: buildOnnx(model) }, card());
    expect(v.ok).toBe(false);
    const all = v.errors.join(" ");
    expect(all).toContain(`Einsum (nodes "/einsum_a", "/einsum_b")`);
    expect(all).toContain(`com.example::MyOp (node "/custom")`);
    expect(all).toMatch(/endpoint model \(black-box attacks\)/);
  });

  it("refuses an ArgMax between the input and the output as non-differentiable", async () => {
    const model = cnn();
    model.nodes.splice(10, 1,
      { op: "ArgMax", inputs: ["z"], outputs: ["am"], attrs: { axis: 1, keepdims: 0 }, name: "/argmax" },
      { op: "Cast", inputs: ["am"], outputs: ["y"], attrs: { to: 1 } },
    );
    const v = await validateOnnxForEngine({ onnx: buildOnnx(model) }, card());
    expect(v.ok).toBe(false);
    expect(v.errors.join(" ")).toContain(`non-differentiable operators: ArgMax (node "/argmax")`);
    expect(v.errors.join(" ")).toMatch(/black-box/);
  });

  it("refuses a dynamic spatial size unless the card fixes it, and accepts a dynamic batch", async () => {
    const bytes = buildOnnx({ ...cnn(), input: { name: "x", dims: ["batch", 3, "height", "width"] } });
    const v = await validateOnnxForEngine({ onnx: bytes }, card());
    expect(v.ok).toBe(false);
    expect(v.errors.join(" ")).toContain(`Dimension 2 of the model's input is dynamic ("height")`);
    expect(v.errors.join(" ")).toContain(`dimensions: { "width": 8 }`);
    const fixed = await validateOnnxForEngine({ onnx: bytes }, card({ dimensions: { height: 8, width: 8 } }));
    expect(fixed.errors).toEqual([]);
    expect(fixed.warnings.join(" ")).toContain(`evaluated at the sizes the card fixes: "height" = 8, "width" = 8`);
    const wrong = await validateOnnxForEngine({ onnx: bytes }, card({ dimensions: { height: 9, width: 8 } }));
    expect(wrong.errors.join(" ")).toContain(`fixes dimension "height" to 9`);
    const { inputShape: _drop, ...noShape } = card();
    const none = await validateOnnxForEngine({ onnx: bytes }, noShape);
    expect(none.errors.join(" ")).toContain(`dynamic dimensions ("height", "width")`);
  });

  it("refuses a model whose output width differs from the card's class count", async () => {
    const v = await validateOnnxForEngine({ onnx: buildOnnx(cnn({ classes: 5 })) }, card());
    expect(v.ok).toBe(false);
    expect(v.errors).toContain("the model outputs 5 scores but the card lists 3 class labels");
  });

  it("refuses an input shape or layout that does not fit the graph, and opsets before 13", async () => {
    const nhwc = await validateOnnxForEngine({ onnx: buildOnnx(cnn()) }, card({ inputLayout: "NHWC" }));
    expect(nhwc.errors.join(" ")).toContain("Dimension 1 of the model's input is 3 but the card's input shape gives 8");
    const old = await validateOnnxForEngine({ onnx: buildOnnx(cnn({ opset: 12 })) }, card());
    expect(old.errors.join(" ")).toContain("opset 12; the engine supports opset 13 and newer");
    const notOnnx = await validateOnnxForEngine({ onnx: new TextEncoder().encode("{\"format\": \"layers-model\"}") }, card());
    expect(notOnnx.errors.join(" ")).toMatch(/not an ONNX model/);
  });

  it("reads external data from the upload and refuses a location that escapes the archive", async () => {
    const ext = cnn();
    ext.external = { w2: "weights/fc.bin" };
    const v = await validateOnnxForEngine({ onnx: buildOnnx(ext), externalData: externalBytes(ext) }, card());
    expect(v.errors).toEqual([]);
    expect(v.externalFiles).toEqual(["weights/fc.bin"]);
    const missing = await validateOnnxForEngine({ onnx: buildOnnx(ext) }, card());
    expect(missing.errors.join(" ")).toContain(`"weights/fc.bin", which is not in the upload`);
    for (const bad of ["../outside.bin", "/etc/passwd", "a/../../b.bin", "C:/x.bin"]) {
      const esc = cnn();
      esc.external = { w2: bad };
      const r = await validateOnnxForEngine({ onnx: buildOnnx(esc), externalData: { "outside.bin": new Uint8Array(3 * 64 * 4) } }, card());
      expect(r.errors.join(" ")).toContain(`reads external data from "${bad}", a path outside the model's folder: refused`);
    }
  });

  it("runs a model exported with a fixed batch of 1 one example at a time", async () => {
    const bytes = buildOnnx(cnn({ inputDims: [1, 3, 8, 8] }));
    const v = await validateOnnxForEngine({ onnx: bytes }, card());
    expect(v.errors).toEqual([]);
    expect(v.warnings.join(" ")).toContain("fixed batch of 1");
    const m = await loadOnnxModel({ onnx: bytes }, card());
    expect(m.logits(tf.zeros([3, 8, 8, 3])).shape).toEqual([3, 3]);
    m.dispose();
  });

  it("names the first node where the engine and ONNX Runtime diverge", async () => {
    // The engine runs one graph; the reference gets the same graph with the BatchNorm's mean changed.
    const good = cnn();
    const bad = cnn();
    bad.initializers!.mu = { dims: [4], data: [3, 3, 3, 3] };
    const c = card();
    const compiled = compileOnnx({ onnx: buildOnnx(good) }, c);
    const r = await compareWithReference({ onnx: buildOnnx(bad) }, compiled, c);
    compiled.dispose();
    expect(r.maxAbsDiff).toBeGreaterThan(r.tolerance);
    expect(r.divergence?.node).toBe("/bn1/BatchNormalization");
    expect(r.divergence?.opType).toBe("BatchNormalization");
  });

  it("parses the graph without TensorFlow: opset, input dims, external files", () => {
    const g = parseOnnx(buildOnnx(cnn()));
    expect(g.opset).toBe(17);
    expect(g.input.dims).toEqual([{ param: "batch" }, 3, 8, 8]);
    expect(g.nodes.map((n) => n.opType)).toContain("BatchNormalization");
  });
});
