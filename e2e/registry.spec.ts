import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { PNG } from "pngjs";
import yazl from "yazl";
import { asUser, createUserWithCli, DEMO, fillDatasetProvenance, signIn } from "./helpers";

// The registry journey: an engineer registers a model (zip) and a dataset (zip of class folders),
// sees their cards and preview; a hostile upload is refused next to its field; a viewer reads but
// cannot upload, and the server refuses an upload forged by the viewer; another team gets 404.

const dir = mkdtempSync(join(tmpdir(), "bulwark-e2e-registry-"));
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const suffix = randomBytes(3).toString("hex");
const MODEL = `e2e-digits-${suffix}`;
const DATASET = `e2e-shapes-${suffix}`;

async function zip(items: { name: string; data: Buffer }[]): Promise<Buffer> {
  const z = new yazl.ZipFile();
  for (const it of items) z.addBuffer(it.data, it.name);
  z.end();
  const chunks: Buffer[] = [];
  for await (const c of z.outputStream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function png(side: number, draw: (x: number, y: number) => number): Buffer {
  const p = new PNG({ width: side, height: side });
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++) {
      const v = draw(x, y);
      p.data.set([v, v, v, 255], (y * side + x) * 4);
    }
  return PNG.sync.write(p);
}

const modelJson = readFileSync("demo/models/digits-cnn-v1/model.json");
const weightFile = (JSON.parse(modelJson.toString()) as { weightsManifest: { paths: string[] }[] }).weightsManifest[0].paths[0];
const weights = readFileSync(join("demo/models/digits-cnn-v1", weightFile));

async function fillModelCard(page: Page, labels: string) {
  const form = page.getByRole("form", { name: "Register a model" });
  await form.getByLabel("Input shape (one sample)").fill("28,28,1");
  await form.getByLabel("Input value range: minimum").fill("0");
  await form.getByLabel("Input value range: maximum").fill("1");
  await form.getByLabel("Class labels, in the order of the model's outputs").fill(labels);
  await form.getByLabel("Risk tier").selectOption("high");
  await form.getByLabel("Owner").fill("E2E Team");
  await form.getByLabel("Intended use").fill("End-to-end test of the registry");
  await form.getByLabel("Out-of-scope use").fill("Anything else");
  return form;
}

test("an engineer registers a model and a dataset; a viewer reads but cannot upload; another team gets 404", async ({ page, browser }) => {
  test.setTimeout(240_000);
  const modelZip = join(dir, "digits.zip");
  writeFileSync(modelZip, await zip([{ name: "digits/model.json", data: modelJson }, { name: `digits/${weightFile}`, data: weights }]));
  const shapes = join(dir, "shapes.zip");
  writeFileSync(
    shapes,
    await zip([
      ...[0, 1, 2].map((i) => ({ name: `shapes/square/${i}.png`, data: png(12, (x, y) => (x > 2 + i && x < 9 && y > 2 && y < 9 ? 255 : 0)) })),
      ...[0, 1].map((i) => ({ name: `shapes/stripe/${i}.png`, data: png(12, (x) => (x % (2 + i) === 0 ? 255 : 0)) })),
    ]),
  );

  // --- Engineer: a refused upload first (output width ≠ labels), then the real one -------------------
  await asUser(page, DEMO.ENGINEER, "/t/demo/dashboard");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Models" }).click();
  await page.getByRole("link", { name: "Register a model" }).first().click();
  let form = await fillModelCard(page, "0,1,2");
  await form.getByLabel("Model name").fill(MODEL);
  await form.getByLabel("Model files").setInputFiles(modelZip);
  await form.getByRole("button", { name: "Register model" }).click();
  await expect(form.locator("#mc-classLabels-error")).toContainText("the model outputs 10 scores but the card lists 3 class labels");
  // What was typed is still there; fix the labels and send again.
  await expect(form.getByLabel("Model name")).toHaveValue(MODEL);
  form = await fillModelCard(page, "0,1,2,3,4,5,6,7,8,9");
  await form.getByRole("button", { name: "Register model" }).click();
  await expect(page).toHaveURL(/\/t\/demo\/models\/[^/?]+\?v=1$/, { timeout: 60_000 });
  await expect(page.getByRole("heading", { name: MODEL })).toBeVisible();
  await expect(page.getByTestId("class-labels")).toContainText("9");
  await expect(page.getByText("High risk").first()).toBeVisible();
  // The digests shown are the SHA-256 of the files we uploaded.
  await expect(page.getByTestId(`sha256-${weightFile}`)).toHaveText(sha256(weights));
  await expect(page.getByTestId("sha256-model.json")).toHaveText(sha256(modelJson));
  const modelUrl = page.url();

  // --- Engineer: dataset -------------------------------------------------------------------------------
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Datasets" }).click();
  await page.getByRole("link", { name: "Register a dataset" }).first().click();
  const dform = page.getByRole("form", { name: "Register a dataset" });
  await dform.getByLabel("Dataset name").fill(DATASET);
  await dform.getByLabel("Format").selectOption("image-zip");
  await dform.getByLabel("Files").setInputFiles(shapes);
  await fillDatasetProvenance(dform, { description: "Squares and stripes drawn by the e2e test", source: "Generated in e2e/registry.spec.ts", licence: "unknown" });
  await dform.getByRole("button", { name: "Register dataset" }).click();
  await expect(page).toHaveURL(/\/t\/demo\/datasets\/[^/?]+\?v=1$/, { timeout: 60_000 });
  await expect(page.getByRole("heading", { name: DATASET })).toBeVisible();
  await expect(page.getByTestId("sample-grid").getByRole("img")).toHaveCount(5);
  await expect(page.getByTestId("sample-shape")).toHaveText("12 × 12 × 1");
  await expect(page.getByTestId("class-counts")).toContainText("square: 3");
  await expect(page.getByRole("img", { name: /Samples per class/ })).toBeVisible();
  await expect(page.getByText("Licence unknown: the right to use this data")).toBeVisible();
  const datasetUrl = page.url();

  // --- Viewer: reads, no upload buttons, forged uploads refused ---------------------------------------
  const viewer = await browser.newPage();
  await asUser(viewer, DEMO.VIEWER, "/t/demo/models");
  await expect(viewer.getByRole("link", { name: MODEL })).toBeVisible();
  await expect(viewer.getByRole("link", { name: "Register a model" })).toHaveCount(0);
  await viewer.goto(modelUrl);
  await expect(viewer.getByTestId(`sha256-${weightFile}`)).toHaveText(sha256(weights));
  await expect(viewer.getByRole("link", { name: "Upload new version" })).toHaveCount(0);
  await expect(viewer.getByRole("link", { name: "Edit card" })).toHaveCount(0);
  // The auditor downloads the stored file and gets the very bytes whose digest is shown.
  const download = await viewer.request.get(await viewer.getByRole("link", { name: weightFile, exact: true }).getAttribute("href") ?? "");
  expect(download.status()).toBe(200);
  expect(sha256(await download.body())).toBe(sha256(weights));
  await viewer.goto(datasetUrl);
  await expect(viewer.getByTestId("sample-grid").getByRole("img")).toHaveCount(5);
  await expect(viewer.getByRole("link", { name: "Upload new version" })).toHaveCount(0);
  const forged = await viewer.request.post("/t/demo/models/upload", {
    multipart: { name: `forged-${suffix}`, files: { name: "digits.zip", mimeType: "application/zip", buffer: readFileSync(modelZip) } },
  });
  expect(forged.status()).toBe(403);
  expect((await forged.json()).message).toMatch(/does not allow uploads/);
  const forgedDs = await viewer.request.post("/t/demo/datasets/upload", { multipart: { name: `forged-ds-${suffix}`, format: "image-zip", files: { name: "s.zip", mimeType: "application/zip", buffer: readFileSync(shapes) } } });
  expect(forgedDs.status()).toBe(403);
  await viewer.goto("/t/demo/models");
  await expect(viewer.getByRole("link", { name: `forged-${suffix}` })).toHaveCount(0);
  await viewer.close();

  // --- Another team: 404 for pages and uploads ---------------------------------------------------------
  const email = `outsider-${suffix}@example.test`;
  createUserWithCli({ email, team: `other-${suffix}`, role: "ADMIN", password: "outsider-password-1" });
  const outsider = await browser.newPage();
  await signIn(outsider, email, "outsider-password-1");
  for (const url of [modelUrl, datasetUrl, "/t/demo/models", "/t/demo/datasets/new"]) {
    const res = await outsider.goto(url);
    expect(res?.status(), url).toBe(404);
  }
  const foreign = await outsider.request.post("/t/demo/models/upload", { multipart: { name: "x", files: { name: "digits.zip", mimeType: "application/zip", buffer: readFileSync(modelZip) } } });
  expect(foreign.status()).toBe(404);
  await outsider.close();
});
