import { describe, expect, it } from "vitest";
import { buildRequestBody, EndpointAnswerError, EndpointModel, readAnswers, RequestTemplateSchema, ResponseMappingSchema } from "./endpoint";

const labels = ["cat", "dog", "eel"];

describe("request templates", () => {
  it("need exactly one placeholder", () => {
    expect(RequestTemplateSchema.safeParse({ instances: "{{inputs}}" }).success).toBe(true);
    expect(RequestTemplateSchema.safeParse({ data: { x: "{{input}}" } }).success).toBe(true);
    expect(RequestTemplateSchema.safeParse({ x: 1 }).success).toBe(false);
    expect(RequestTemplateSchema.safeParse({ a: "{{inputs}}", b: "{{input}}" }).success).toBe(false);
  });

  it("nest inputs to their shape, batched or one at a time", () => {
    const a = new Float32Array([1, 2, 3, 4]);
    const b = new Float32Array([5, 6, 7, 8]);
    expect(JSON.parse(buildRequestBody({ instances: "{{inputs}}", v: 2 }, [a, b], [2, 2]))).toEqual({ instances: [[[1, 2], [3, 4]], [[5, 6], [7, 8]]], v: 2 });
    expect(JSON.parse(buildRequestBody({ inputs: ["{{input}}"] }, [a], [4]))).toEqual({ inputs: [[1, 2, 3, 4]] });
    // An image of height × width × channels, one channel: each pixel is a one-value array; float32 values as doubles.
    const img = new Float32Array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
    expect(buildRequestBody({ instances: "{{inputs}}" }, [img], [2, 3, 1])).toBe(JSON.stringify({ instances: [[[[img[0]], [img[1]], [img[2]]], [[img[3]], [img[4]], [img[5]]]]] }));
    expect(() => buildRequestBody({ x: "{{input}}" }, [a, b], [4])).toThrow(/one input per request/);
  });
});

describe("response mapping", () => {
  const scores = ResponseMappingSchema.parse({ kind: "scores", path: "out.0.p" });
  it("reads scores and labels by path, by index or by class name", () => {
    expect(readAnswers({ out: [{ p: [[0.1, 0.7, 0.2]] }] }, scores, true, 1, labels)).toEqual({ scores: [[0.1, 0.7, 0.2]], labels: [1] });
    const label = ResponseMappingSchema.parse({ kind: "label", path: "" });
    expect(readAnswers(["eel", 0], label, true, 2, labels).labels).toEqual([2, 0]);
    expect(readAnswers("dog", label, false, 1, labels).labels).toEqual([1]);
  });

  it("says what is wrong without echoing the response", () => {
    expect(() => readAnswers({}, scores, true, 1, labels)).toThrow('The response has nothing at "out.0.p".');
    expect(() => readAnswers({ out: [{ p: [[1, 2]] }] }, scores, true, 1, labels)).toThrow(/3 finite class scores .* found 2 values/);
    expect(() => readAnswers({ out: [{ p: [[1, 2, 3]] }] }, scores, true, 2, labels)).toThrow(/Sent 2 inputs but the response has 1 entries/);
    expect(() => readAnswers(["secret-ish"], ResponseMappingSchema.parse({ kind: "label", path: "" }), true, 1, labels)).toThrow(EndpointAnswerError);
    expect(ResponseMappingSchema.safeParse({ kind: "scores", path: "a[0]" }).success).toBe(false);
  });
});

describe("EndpointModel", () => {
  it("splits into batches and counts queries and requests", async () => {
    const bodies: string[] = [];
    const m = new EndpointModel(
      { inputShape: [2], classLabels: labels, requestTemplate: { instances: "{{inputs}}" }, responseMapping: { kind: "scores", path: "p" }, batchSize: 2 },
      async (body) => {
        bodies.push(body);
        const xs = (JSON.parse(body) as { instances: number[][] }).instances;
        return { p: xs.map((x) => [x[0], x[1], 0]) };
      },
    );
    const out = await m.classify([new Float32Array([1, 0]), new Float32Array([0, 1]), new Float32Array([2, 0])]);
    expect(out.labels).toEqual([0, 1, 0]);
    expect(out.scores).toHaveLength(3);
    expect(m.queries).toBe(3);
    expect(m.requests).toBe(2);
    expect(bodies).toHaveLength(2);
  });
});
