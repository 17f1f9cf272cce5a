// Compatibility of a model version with a dataset version: a pure function, used when an evaluation
// is created. A mismatch is a list of differences, each saying what differs.

export interface CompatModel {
  task: "image-classification" | "tabular-classification";
  inputShape: number[];
  inputRange: { min: number; max: number };
  classLabels: string[];
}

export interface CompatDataset {
  format: "IMAGE_ZIP" | "IDX" | "CSV";
  sampleShape: number[];
  valueMin: number;
  valueMax: number;
  classLabels: string[];
}

export interface Difference {
  field: "task" | "inputShape" | "inputRange" | "classLabels";
  model: string;
  dataset: string;
  message: string;
}

export interface Compatibility {
  compatible: boolean;
  differences: Difference[];
  /** For each dataset class index, the model's output index (present when labels are compatible). */
  labelMap?: number[];
}

const shape = (s: number[]) => s.join("×");
const EPS = 1e-6;

/** Trailing 1-dimensions (channels) are equivalent: [28,28] ≡ [28,28,1]. */
function sameShape(a: number[], b: number[]): boolean {
  const trim = (s: number[]) => {
    const t = [...s];
    while (t.length > 1 && t[t.length - 1] === 1) t.pop();
    return t;
  };
  const x = trim(a);
  const y = trim(b);
  return x.length === y.length && x.every((d, i) => d === y[i]);
}

export function checkCompatibility(model: CompatModel, dataset: CompatDataset): Compatibility {
  const differences: Difference[] = [];
  const datasetTask = dataset.format === "CSV" ? "tabular-classification" : "image-classification";
  if (model.task !== datasetTask) {
    differences.push({ field: "task", model: model.task, dataset: datasetTask, message: `The model does ${model.task.replace("-", " ")}, the dataset is for ${datasetTask.replace("-", " ")}.` });
  }
  if (!sameShape(model.inputShape, dataset.sampleShape)) {
    differences.push({ field: "inputShape", model: shape(model.inputShape), dataset: shape(dataset.sampleShape), message: `The model takes inputs of shape ${shape(model.inputShape)}; the dataset's samples are ${shape(dataset.sampleShape)}.` });
  }
  const r = model.inputRange;
  const outside = dataset.valueMin < r.min - EPS || dataset.valueMax > r.max + EPS;
  // Values that use under 1% of a wide model range: almost surely 0..1 data for a 0..255 model.
  const tooNarrow = !outside && r.max - r.min > 2 && dataset.valueMax - dataset.valueMin <= 1 + EPS && (dataset.valueMax - dataset.valueMin) / (r.max - r.min) < 0.01;
  if (outside || tooNarrow) {
    differences.push({
      field: "inputRange",
      model: `${r.min}..${r.max}`,
      dataset: `${round(dataset.valueMin)}..${round(dataset.valueMax)}`,
      message: outside
        ? `The dataset's values span ${round(dataset.valueMin)}..${round(dataset.valueMax)}, outside the model's input range ${r.min}..${r.max}.`
        : `The model expects values in ${r.min}..${r.max} but the dataset's span only ${round(dataset.valueMin)}..${round(dataset.valueMax)}: the scales differ (e.g. 0..1 against 0..255).`,
    });
  }
  let labelMap: number[] | undefined;
  const missing = dataset.classLabels.filter((l) => !model.classLabels.includes(l));
  if (missing.length) {
    differences.push({
      field: "classLabels",
      model: model.classLabels.join(", "),
      dataset: dataset.classLabels.join(", "),
      message: `The dataset has class labels the model does not know: ${missing.slice(0, 10).map((m) => `"${m}"`).join(", ")}${missing.length > 10 ? ", …" : ""}.`,
    });
  } else {
    labelMap = dataset.classLabels.map((l) => model.classLabels.indexOf(l));
  }
  return { compatible: differences.length === 0, differences, labelMap: differences.length === 0 ? labelMap : undefined };
}

function round(v: number): number {
  return Math.round(v * 1e4) / 1e4;
}
