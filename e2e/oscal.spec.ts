import { readFile } from "node:fs/promises";
import { expect, test } from "@playwright/test";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { signInToFreshTeam } from "./helpers";

// A team's own control catalog (issue 30): a compliance officer of a fresh team (no other journey reads it)
// uploads a small OSCAL catalog (a broken file first: refused, naming the problem), maps Bulwark evidence to
// one control and another control like a bundled one, sees the catalog in the posture and the controls
// explorer, generates a report of it (its controls and the catalog version named), and downloads the OSCAL
// assessment results, which include it and are valid against NIST's schema.

const FRAMEWORK = "custom-acme-ai-controls";
const CATALOG = JSON.stringify({
  catalog: {
    uuid: "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
    metadata: { title: "ACME AI controls", "last-modified": "2026-11-01T00:00:00Z", version: "2026.1", "oscal-version": "1.0.6" },
    groups: [{
      id: "rob", title: "Robustness",
      controls: [
        { id: "rob-1", title: "Robustness policy", props: [{ name: "label", value: "ROB-1" }], parts: [{ id: "rob-1_smt", name: "statement", prose: "The team keeps a robustness policy per risk tier." }] },
        { id: "rob-2", title: "Adversarial testing", props: [{ name: "label", value: "ROB-2" }], parts: [{ id: "rob-2_smt", name: "statement", prose: "Models are tested against adversarial inputs before release." }] },
      ],
    }],
  },
});

test("a compliance officer uploads a catalog, maps its controls, sees them in the posture and exports OSCAL results", async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  const team = await signInToFreshTeam(page, "oscal", "REVIEWER");

  await page.goto(`/t/${team}/settings/catalogs`);
  const upload = page.getByRole("form", { name: "Upload a catalog" });
  const file = (buffer: string) => ({ name: "acme-catalog.json", mimeType: "application/json", buffer: Buffer.from(buffer) });
  // A broken file is refused with the reason, and nothing is stored.
  await upload.getByLabel("OSCAL catalog (JSON)").setInputFiles(file(CATALOG.replace("rob-2", "rob-1").replace("ROB-2", "ROB-1")));
  await upload.getByRole("button", { name: "Upload catalog" }).click();
  await expect(upload.getByText(/The catalog was refused: .*appears more than once/)).toBeVisible();
  await expect(page.getByText("No catalogs of your own yet")).toBeVisible();

  await upload.getByLabel("OSCAL catalog (JSON)").setInputFiles(file(CATALOG));
  await upload.getByLabel("Short name (optional)").fill("ACME AI");
  await upload.getByRole("button", { name: "Upload catalog" }).click();
  await expect(upload.getByText(`Stored ACME AI as ${FRAMEWORK} version 1 (2 controls).`, { exact: false })).toBeVisible();
  await expect(page.locator(`[data-catalog="${FRAMEWORK}"]`)).toContainText("v1");

  // ROB-1 counts the team's robustness policy as direct evidence; ROB-2 takes MEASURE 2.7's evidence.
  const byKind = page.getByRole("form", { name: `Map evidence to a control of ${FRAMEWORK}` });
  await byKind.getByLabel("Control", { exact: true }).selectOption(`${FRAMEWORK}:ROB-1`);
  await byKind.getByLabel("Evidence").selectOption("E4");
  await byKind.getByLabel("Mark").selectOption("direct");
  await byKind.getByLabel("Reason").fill("Our policy control is the team robustness policy.");
  await byKind.getByRole("button", { name: "Save mapping" }).click();
  await expect(byKind.getByText(`E4 now counts as direct evidence for ${FRAMEWORK}:ROB-1.`)).toBeVisible();
  await expect(page.locator(`[data-control="${FRAMEWORK}:ROB-1"]`)).toContainText("E4 (direct)");
  const like = page.getByRole("form", { name: `Map a control of ${FRAMEWORK} like a bundled control` });
  await like.getByLabel("Control", { exact: true }).selectOption(`${FRAMEWORK}:ROB-2`);
  await like.getByLabel("Bundled control").fill("nist-ai-rmf:MEASURE 2.7");
  await like.getByLabel("Reason").fill("Same duty as NIST MEASURE 2.7.");
  await like.getByRole("button", { name: "Copy its evidence" }).click();
  await expect(like.getByText(new RegExp(`${FRAMEWORK}:ROB-2 now counts the same \\d+ evidence kinds? as nist-ai-rmf:MEASURE 2\\.7\\.`))).toBeVisible();
  await expect(page.locator(`[data-control="${FRAMEWORK}:ROB-2"]`)).toContainText("E1 (direct)");
  await page.screenshot({ path: testInfo.outputPath("catalogs.png"), fullPage: true });

  // The mapping leaves as a JSON file and comes back unchanged (an edited file would replace it).
  const gettingMapping = page.waitForEvent("download");
  await page.getByRole("link", { name: "Mapping (JSON)" }).click();
  const mappingFile = testInfo.outputPath("mapping.json");
  await (await gettingMapping).saveAs(mappingFile);
  expect(JSON.parse(await readFile(mappingFile, "utf8"))).toMatchObject({ framework: FRAMEWORK, catalogVersion: 1, entries: expect.arrayContaining([expect.objectContaining({ control: "ROB-1", evidence: "E4", relation: "direct" })]) });
  const mappingForm = page.getByRole("form", { name: `Upload the mapping of ${FRAMEWORK}` });
  await mappingForm.getByLabel("Mapping file (JSON)").setInputFiles(mappingFile);
  await mappingForm.getByRole("button", { name: "Upload mapping" }).click();
  await expect(mappingForm.getByText(new RegExp(`Mapping of ${FRAMEWORK} version 1: \\d+ entries \\(0 added, 0 changed, 0 removed\\)\\.`))).toBeVisible();

  // The posture counts the catalog beside the bundled frameworks; the controls explorer lists its controls.
  await page.goto(`/t/${team}/dashboard`);
  await expect(page.getByTestId("posture").getByRole("img", { name: /Controls per framework by status\..*ACME AI: / })).toBeVisible();
  await page.goto(`/t/${team}/controls?fw=${FRAMEWORK}`);
  await expect(page.getByRole("navigation", { name: "Frameworks" }).getByRole("link", { name: "ACME AI" })).toHaveAttribute("aria-current", "page");
  await expect(page.locator(`[data-control="${FRAMEWORK}:ROB-1"]`)).toBeVisible();
  await expect(page.locator(`[data-control="${FRAMEWORK}:ROB-2"]`)).toBeVisible();

  // A report of the catalog alone: its preview lists the mapped controls and names the catalog version it used.
  await page.goto(`/t/${team}/reports`);
  const form = page.getByRole("form", { name: "New report" });
  await form.getByLabel("Title").fill("ACME AI quarterly");
  await form.getByLabel("NIST AI RMF").uncheck();
  await form.getByLabel("ISO/IEC 42001", { exact: true }).uncheck();
  await form.getByLabel("ACME AI").check();
  await form.getByRole("button", { name: "Generate report" }).click();
  const queued = form.getByText(/Report R-\d+ is being generated\./);
  await expect(queued).toBeVisible({ timeout: 30_000 });
  const label = /R-\d+/.exec((await queued.textContent()) ?? "")![0];
  const row = page.locator(`[data-report="${label}"]`);
  await expect(row.locator("[data-status=draft]")).toBeVisible({ timeout: 120_000 });
  await row.getByRole("link", { name: label }).click();
  const preview = page.getByRole("region", { name: "Preview of the report" });
  await expect(preview.getByRole("table", { name: "Posture per framework" })).toContainText("ACME AI", { timeout: 30_000 });
  await expect(preview.getByRole("table", { name: "Posture per framework" })).toContainText("2026.1, catalog v1");
  await expect(preview).toContainText(`${FRAMEWORK}@v1`);
  await preview.getByText("4 Control status (2 rows)").click();
  const controls = preview.getByRole("table", { name: "Control status per framework, failing first" });
  await expect(controls).toContainText("ROB-1");
  await expect(controls).toContainText("ROB-2");
  await expect(controls).not.toContainText("GOVERN 1.1");
  await page.screenshot({ path: testInfo.outputPath("report.png"), fullPage: true });

  // The OSCAL assessment results of the team's posture include the catalog and validate against the schema.
  await page.goto(`/t/${team}/controls?fw=${FRAMEWORK}`);
  const downloading = page.waitForEvent("download");
  await page.getByRole("link", { name: "OSCAL results" }).click();
  const saved = testInfo.outputPath("results.json");
  await (await downloading).saveAs(saved);
  const doc = JSON.parse(await readFile(saved, "utf8"));
  // NIST's schema, read from the file the product validates with (Playwright's loader cannot import JSON modules).
  const ajv = new Ajv({ strict: false });
  addFormats(ajv);
  const validate = ajv.compile(JSON.parse(await readFile("lib/compliance/oscal/schemas/oscal_assessment-results_schema.json", "utf8")));
  expect(validate(doc), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
  const results = doc["assessment-results"].results as { props: { name: string; value: string }[]; "reviewed-controls": unknown }[];
  const mine = results.find((r) => r.props.some((p) => p.name === "framework" && p.value === FRAMEWORK));
  expect(mine, "a result for the team's catalog").toBeTruthy();
  expect(JSON.stringify(mine)).toContain("ROB-1");
  expect(JSON.stringify(mine)).toContain("ROB-2");
});
