import { expect, test, type Locator, type Page } from "@playwright/test";
import { asUser, DEMO, fillDatasetProvenance, waitForHydration } from "./helpers";

// Every form keeps every value the user entered after the server refuses it (issue 24): React resets a form
// after its action, so a field that is not remounted from the echoed values silently goes back to its default
// (before the fix, the new-evaluation form then launched a different model than the one chosen).
// Each case fills fields with values that differ from the defaults, one of them invalid, submits with the
// browser's own checks off (so the server decides), waits for the error and reads every field back.

type Set =
  | { fill: string }
  /** The option at this index (negative: from the end), so the case does not depend on the demo's labels. */
  | { option: number }
  | { check: boolean }
  | { radio: true }
  /** Files chosen in a file input (the upload forms send them with XHR; a refusal must not drop them). */
  | { files: string[] };
/** secret: typed, and must come back empty (passwords and tokens are never echoed). */
interface FieldCase { field: (form: Locator) => Locator; set: Set; secret?: boolean }
interface FormCase {
  name: string;
  as: keyof typeof DEMO;
  /** Opens the page with the form. */
  open: (page: Page) => Promise<void>;
  form: (page: Page) => Locator;
  fields: FieldCase[];
  /** Last step before submitting (after the fields are set). */
  beforeSubmit?: (form: Locator) => Promise<void>;
  submit: string | RegExp;
}

const label = (text: string | RegExp, exact = true) => (form: Locator) => form.getByLabel(text, { exact: typeof text === "string" ? exact : undefined });
const css = (selector: string) => (form: Locator) => form.locator(selector);
const radio = (name: string | RegExp) => (form: Locator) => form.getByRole("radio", { name });
const byForm = (name: string | RegExp) => (page: Page) => page.getByRole("form", { name });
const goto = (path: string) => async (page: Page) => { await page.goto(path); };
const via = (path: string, ...links: (string | RegExp)[]) => async (page: Page) => {
  await page.goto(path);
  for (const name of links) await page.getByRole("link", { name, exact: typeof name === "string" ? true : undefined }).first().click();
};

// Cards can be edited only until a version is evaluated, and the demo seed evaluates every demo version within
// minutes: the card cases register a version of their own first and open its card.
const unique = () => `forms-${Date.now().toString(36)}`;
const freshModelCard = async (page: Page) => {
  await page.goto("/t/demo/models/new");
  const form = page.getByRole("form", { name: "Register a model" });
  await form.getByLabel("Model name").fill(unique());
  await form.getByLabel("Model files").setInputFiles(["demo/models/digits-cnn-v1/model.json", "demo/models/digits-cnn-v1/weights.bin"]);
  await form.getByLabel("Input shape (one sample)").fill("28,28,1");
  await form.getByLabel("Input value range: minimum").fill("0");
  await form.getByLabel("Input value range: maximum").fill("1");
  await form.getByLabel("Class labels, in the order of the model's outputs").fill("0,1,2,3,4,5,6,7,8,9");
  await form.getByLabel("Risk tier").selectOption("limited");
  await form.getByLabel("Owner").fill("Forms team");
  await form.getByLabel("Intended use").fill("Checking that forms keep their values");
  await form.getByLabel("Out-of-scope use").fill("Anything else");
  await form.getByRole("button", { name: "Register model" }).click();
  await expect(page).toHaveURL(/\/models\/[^/?]+\?v=1$/, { timeout: 60_000 });
  await page.getByRole("link", { name: "Edit card", exact: true }).first().click();
};
const freshDatasetCard = async (page: Page) => {
  await page.goto("/t/demo/datasets/new");
  const form = page.getByRole("form", { name: "Register a dataset" });
  await form.getByLabel("Dataset name").fill(unique());
  await form.getByLabel("Format").selectOption("csv");
  await form.getByLabel("Label column").fill("label");
  const rows = ["a,b,label", ...Array.from({ length: 20 }, (_, i) => `${i / 20},${1 - i / 20},${i % 2 ? "yes" : "no"}`)].join("\n");
  await form.getByLabel("Files").setInputFiles({ name: "tabular.csv", mimeType: "text/csv", buffer: Buffer.from(rows) });
  await fillDatasetProvenance(form, { description: "Tabular rows made by the forms journey", source: "Generated in e2e/forms.spec.ts", licence: "CC0-1.0" });
  // A training split: the launch forms default to a held-out ("test") dataset, which other journeys read.
  await form.getByLabel("Split").selectOption("train");
  await form.getByRole("button", { name: "Register dataset" }).click();
  await expect(page).toHaveURL(/\/datasets\/[^/?]+\?v=1$/, { timeout: 60_000 });
  await page.getByRole("link", { name: "Edit card", exact: true }).first().click();
};

const CASES: FormCase[] = [
  {
    name: "new evaluation (robustness: a non-default model version, dataset and the Standard suite)",
    as: "ENGINEER",
    open: goto("/t/demo/evaluations/new"),
    form: byForm("New evaluation"),
    fields: [
      { field: label("Model version"), set: { option: -1 } },
      { field: label("Dataset version"), set: { option: 0 } },
      { field: radio(/^Standard/), set: { radio: true } },
      { field: label("L∞ budgets (optional)"), set: { fill: "0.05, 0.15" } },
      { field: label("Samples"), set: { fill: "-5" } },
      { field: label("Seed"), set: { fill: "7" } },
      { field: label("Shard size"), set: { fill: "50" } },
      { field: label(/^Common corruptions/), set: { check: true } },
      { field: label("Out-of-distribution check"), set: { option: 1 } },
    ],
    submit: "Launch evaluation",
  },
  {
    name: "new evaluation (privacy)",
    as: "ENGINEER",
    open: async (page) => {
      await page.goto("/t/demo/evaluations/new");
      await page.getByRole("radio", { name: /^Privacy/ }).check({ force: true });
    },
    form: byForm("New evaluation"),
    fields: [
      { field: radio(/^Privacy/), set: { radio: true } },
      { field: label("Model version"), set: { option: -1 } },
      { field: label("Members (training data)"), set: { option: -1 } },
      { field: label("Non-members (held out)"), set: { option: 1 } },
      { field: label("Samples per set"), set: { fill: "-5" } },
      { field: label("LiRA reference models"), set: { fill: "3" } },
      { field: label("Epochs per reference model"), set: { fill: "2" } },
      { field: label("Seed"), set: { fill: "11" } },
    ],
    submit: "Launch evaluation",
  },
  {
    name: "schedule",
    as: "ENGINEER",
    open: goto("/t/demo/evaluations/schedules"),
    form: byForm("New schedule"),
    fields: [
      { field: label("Name"), set: { fill: "Weekly forms check" } },
      { field: label("Model (latest active version)"), set: { option: -1 } },
      { field: label("Dataset version"), set: { option: 0 } },
      { field: label("Suite"), set: { option: 1 } },
      { field: label("Samples"), set: { fill: "-5" } },
      { field: label("When"), set: { fill: "weekly" } },
    ],
    submit: "Create schedule",
  },
  {
    name: "API token (role and expiry kept)",
    as: "ADMIN",
    open: goto("/t/demo/settings/tokens"),
    form: byForm("Create an API token"),
    fields: [
      { field: label("Name"), set: { fill: "forms-ci" } },
      { field: label("Role"), set: { option: 0 } },
      { field: label("Expires after (days)"), set: { fill: "0" } },
    ],
    submit: "Create token",
  },
  {
    name: "report (some models, the ticked model kept)",
    as: "REVIEWER",
    open: goto("/t/demo/reports"),
    form: byForm("New report"),
    fields: [
      { field: label("Title"), set: { fill: "Forms audit Q4" } },
      { field: radio("Some models"), set: { radio: true } },
      { field: (f) => f.getByRole("checkbox", { name: /digits-cnn/ }).first(), set: { check: true } },
      { field: label("Evaluations from"), set: { fill: "2026-06-01" } },
      { field: label("Evaluations until"), set: { fill: "2026-01-01" } },
    ],
    submit: "Generate report",
  },
  {
    name: "policy",
    as: "ADMIN",
    open: goto("/t/demo/settings/policy"),
    form: byForm("Robustness policy"),
    fields: [
      { field: css("#high-ver"), set: { option: 1 } },
      { field: css("#minimal-clean"), set: { fill: "71" } },
      { field: css('input[name="limited.requireSchedule"]'), set: { check: true } },
      { field: label("Longest attestation validity (days)"), set: { fill: "-1" } },
      { field: label("Note for the audit log"), set: { fill: "tighter high tier" } },
    ],
    submit: "Save as new version",
  },
  {
    name: "member (the password is not echoed)",
    as: "ADMIN",
    open: goto("/t/demo/settings/members"),
    form: byForm("Add a member"),
    fields: [
      { field: label("E-mail"), set: { fill: "new.person@example.com" } },
      { field: label("Name"), set: { fill: "New Person" } },
      { field: label("Role"), set: { option: -1 } },
      { field: label("Initial password"), set: { fill: "short" }, secret: true },
    ],
    submit: "Add member",
  },
  {
    name: "attestation",
    as: "REVIEWER",
    open: async (page) => {
      await page.goto("/t/demo/controls?fw=nist-ai-rmf&q=GOVERN%201.1");
      await page.locator('[data-control="nist-ai-rmf:GOVERN 1.1"]').getByRole("link", { name: "GOVERN 1.1" }).click();
    },
    form: byForm("Attest GOVERN 1.1"),
    fields: [
      { field: label("Applies to"), set: { option: -1 } },
      { field: label("Statement"), set: { fill: "x" } },
      { field: label("Valid until"), set: { fill: "2020-01-01" } },
    ],
    submit: "Attest control",
  },
  {
    name: "bulk attestation (the ticked controls, scope, statement and link kept)",
    as: "REVIEWER",
    open: async (page) => {
      await page.goto("/t/demo/controls?fw=nist-ai-rmf&q=GOVERN");
      await page.getByTestId("bulk-attest").getByText("Attest several controls at once").click();
    },
    form: byForm("Bulk attestation"),
    fields: [
      // The row checkboxes sit in the table and belong to the form through its id.
      { field: (f) => f.page().locator("[data-control]").nth(0).getByRole("checkbox"), set: { check: true } },
      { field: (f) => f.page().locator("[data-control]").nth(2).getByRole("checkbox"), set: { check: true } },
      { field: label("Applies to"), set: { option: -1 } },
      { field: label("Statement"), set: { fill: "Governance pack reviewed by the forms journey." } },
      { field: label("Valid until"), set: { fill: "2020-01-01" } },
      { field: label("Evidence link (optional)"), set: { fill: "https://grc.example.test/forms" } },
    ],
    submit: /^Attest 2 selected controls/,
  },
  {
    name: "attestation template",
    as: "REVIEWER",
    open: async (page) => {
      await page.goto("/t/demo/controls?fw=nist-ai-rmf&q=GOVERN");
      await page.getByTestId("bulk-attest").getByText("Attest several controls at once").click();
    },
    form: byForm("New attestation template"),
    fields: [
      { field: label("Template name"), set: { fill: "Forms template" } },
      { field: label("Valid for (days)"), set: { fill: "-1" } },
      { field: label("Template statement"), set: { fill: "Reviewed by the forms journey." } },
      { field: label("Template evidence link (optional)"), set: { fill: "https://grc.example.test/tpl" } },
    ],
    submit: "Save template",
  },
  {
    name: "outbound host",
    as: "ADMIN",
    open: goto("/t/demo/settings/outbound"),
    form: byForm("Add an outbound host"),
    fields: [
      { field: label("Host"), set: { fill: "https://bad host/path" } },
      { field: label(/^Allow private addresses/), set: { check: true } },
    ],
    submit: "Add host",
  },
  {
    name: "alerts and webhook",
    as: "ADMIN",
    open: goto("/t/demo/settings/alerts"),
    form: byForm("Alert settings"),
    fields: [
      { field: label("Regression tolerance (percentage points)"), set: { fill: "-3" } },
      { field: label("Webhook URL"), set: { fill: "https://hooks.example.com/forms" } },
    ],
    submit: "Save",
  },
  {
    name: "model card edit",
    as: "ENGINEER",
    open: freshModelCard,
    form: byForm("Edit model card"),
    fields: [
      { field: label("Risk tier"), set: { option: -1 } },
      { field: label("Owner"), set: { fill: "Forms team" } },
      { field: label("Intended use"), set: { fill: "Reading digits in forms" } },
      { field: label("Training method"), set: { option: -1 } },
      { field: label("Stated clean accuracy, % (optional)"), set: { fill: "150" } },
    ],
    submit: "Save card",
  },
  {
    name: "dataset card edit",
    as: "ENGINEER",
    open: freshDatasetCard,
    form: byForm("Edit dataset card"),
    fields: [
      { field: label("Source"), set: { fill: "Scanned forms, 2026" } },
      { field: label("Licence (SPDX identifier)"), set: { fill: "not a licence!" } },
      { field: label("Contains personal data"), set: { option: -1 } },
      { field: label("Split"), set: { option: -1 } },
    ],
    submit: "Save card",
  },
  {
    name: "model upload (files, card and risk tier kept)",
    as: "ENGINEER",
    open: goto("/t/demo/models/new"),
    form: byForm("Register a model"),
    fields: [
      { field: label("Model name"), set: { fill: `forms-upload-${Date.now().toString(36)}` } },
      { field: label("Model files"), set: { files: ["demo/models/digits-cnn-v1/model.json", "demo/models/digits-cnn-v1/weights.bin"] } },
      { field: label("Input shape (one sample)"), set: { fill: "28,x,1" } },
      { field: label("Input value range: minimum"), set: { fill: "0" } },
      { field: label("Input value range: maximum"), set: { fill: "1" } },
      { field: label("Class labels, in the order of the model's outputs"), set: { fill: "0,1,2,3,4,5,6,7,8,9" } },
      { field: label("Risk tier"), set: { option: -1 } },
      { field: label("Owner"), set: { fill: "Forms team" } },
      { field: label("Intended use"), set: { fill: "Checking that uploads keep their values" } },
    ],
    submit: "Register model",
  },
  {
    name: "dataset upload (files, format and card kept)",
    as: "ENGINEER",
    open: goto("/t/demo/datasets/new"),
    form: byForm("Register a dataset"),
    fields: [
      { field: label("Dataset name"), set: { fill: `forms-upload-${Date.now().toString(36)}` } },
      { field: label("Format"), set: { option: -1 } },
      { field: label("Files"), set: { files: ["demo/models/digits-cnn-v1/card.json"] } },
      { field: label("Description"), set: { fill: "Rows for the forms journey" } },
      { field: label("Source"), set: { fill: "Generated in e2e/forms.spec.ts" } },
      { field: label("Licence (SPDX identifier)"), set: { fill: "not a licence!" } },
      { field: label("Contains personal data"), set: { option: -1 } },
      { field: label("Split"), set: { option: -1 } },
    ],
    submit: "Register dataset",
  },
  {
    name: "create a team (instance admin; the password is not echoed)",
    as: "ADMIN",
    open: goto("/admin"),
    form: byForm("Create a team"),
    fields: [
      { field: label("Team name"), set: { fill: "Forms Lab" } },
      { field: label("Address"), set: { fill: "-forms-lab" } },
      { field: label("Admin e-mail"), set: { fill: "forms.lead@example.com" } },
      { field: label("Admin name"), set: { fill: "Forms Lead" } },
      { field: label("Initial password"), set: { fill: "a-long-enough-password" }, secret: true },
    ],
    submit: "Create team",
  },
  {
    name: "endpoint registration (the token is not echoed)",
    as: "ENGINEER",
    open: via("/t/demo/models", "Register an HTTP endpoint"),
    form: byForm("Register a model served over HTTP"),
    fields: [
      { field: label("Model name"), set: { fill: "forms-api" } },
      { field: label("URL"), set: { fill: "not a url" } },
      { field: label("Authentication"), set: { option: 1 } },
      { field: label("Header name"), set: { fill: "X-Forms-Key" } },
      { field: label("Header value"), set: { fill: "secret-value" }, secret: true },
      { field: label("Inputs per request"), set: { fill: "8" } },
      { field: label("Input shape (one sample)"), set: { fill: "28,28,1" } },
      { field: label("Risk tier"), set: { option: 2 } },
      { field: label("Owner"), set: { fill: "Vendor team" } },
    ],
    submit: "Register endpoint",
  },
  {
    name: "ensemble (one member ticked is refused, the tick kept)",
    as: "ENGINEER",
    open: async (page) => {
      await via("/t/demo/models", "digits-cnn", "New ensemble version")(page);
      // The form starts from the latest ensemble's members (the seeded v3): untick them so one member is ticked.
      // After hydration: a box unticked before React takes over the page is ticked again by it (seen with the
      // journeys running beside vitest, when "network idle" came before the boxes had hydrated).
      const boxes = await byForm("New ensemble version")(page).getByRole("checkbox").all();
      for (const box of boxes) await waitForHydration(box);
      for (const box of boxes) {
        await expect(async () => {
          await box.setChecked(false, { force: true });
          await expect(box).not.toBeChecked({ timeout: 1_000 });
        }).toPass({ timeout: 15_000 });
      }
    },
    form: byForm("New ensemble version"),
    fields: [
      { field: (f) => f.getByRole("checkbox").last(), set: { check: true } },
      { field: radio(/^Majority vote/), set: { radio: true } },
      { field: label("Risk tier"), set: { option: -1 } },
      { field: label("Owner"), set: { fill: "Ensemble owners" } },
    ],
    // The ensemble form re-ticked its default members a moment after they had been unticked, when reached by a
    // client-side navigation (found in session 8's CI rehearsal; a form bug listed in that session's closing
    // note). The members are set again right before submitting, until the form holds exactly the one ticked.
    beforeSubmit: async (form) => {
      const members = () => form.evaluate((f) => new FormData(f as HTMLFormElement).getAll("memberVersionIds").map(String));
      const last = await form.getByRole("checkbox").last().getAttribute("value");
      await expect(async () => {
        for (const box of await form.getByRole("checkbox").all()) await box.setChecked(false, { force: true });
        await form.getByRole("checkbox").last().setChecked(true, { force: true });
        expect(await members()).toEqual([last]);
      }).toPass({ timeout: 20_000 });
    },
    submit: "Register ensemble version",
  },
  {
    name: "operations: promote",
    as: "REVIEWER",
    open: via("/t/demo/operations", "digits-cnn"),
    form: byForm("Promote a version"),
    fields: [
      { field: label("Version"), set: { option: -1 } },
      { field: label("Environment"), set: { option: -1 } },
      { field: label("Note (optional)"), set: { fill: "x".repeat(600) } },
    ],
    submit: "Promote",
  },
  {
    name: "operations: override",
    as: "REVIEWER",
    open: via("/t/demo/operations", "digits-cnn"),
    form: byForm("Override a failing gate"),
    fields: [
      { field: label("Version (failing gate)"), set: { option: -1 } },
      { field: label("Environment"), set: { option: -1 } },
      { field: label("Expires after (days)"), set: { fill: "0" } },
      { field: label("Reason"), set: { fill: "Accepted while retraining" } },
    ],
    submit: "Record override",
  },
];

/** Sets a field and returns what it must read back after the error. */
async function apply(field: Locator, set: Set): Promise<(l: Locator) => Promise<void>> {
  if ("fill" in set) {
    await field.fill(set.fill);
    return (l) => expect(l).toHaveValue(set.fill);
  }
  if ("option" in set) {
    const values = await field.locator("option").evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    const value = values.at(set.option)!;
    await field.selectOption(value);
    return (l) => expect(l).toHaveValue(value);
  }
  if ("files" in set) {
    await field.setInputFiles(set.files);
    const names = set.files.map((f) => f.split("/").at(-1)!);
    return (l) => expect.poll(() => l.evaluate((el) => Array.from((el as HTMLInputElement).files ?? [], (f) => f.name))).toEqual(names);
  }
  if ("check" in set) {
    await field.setChecked(set.check, { force: true });
    return (l) => (set.check ? expect(l).toBeChecked() : expect(l).not.toBeChecked());
  }
  await field.check({ force: true });
  return (l) => expect(l).toBeChecked();
}

for (const c of CASES) {
  test(`a server-side error keeps every field: ${c.name}`, async ({ page }) => {
    await asUser(page, DEMO[c.as]);
    await c.open(page);
    const form = c.form(page);
    await expect(form).toBeVisible();
    const checks: [Locator, (l: Locator) => Promise<void>][] = [];
    for (const f of c.fields) {
      const check = await apply(f.field(form), f.set);
      checks.push([f.field(form), f.secret ? (l) => expect(l).toHaveValue("") : check]);
    }
    await c.beforeSubmit?.(form);
    // The server decides, not the browser's required/type checks.
    await form.evaluate((el) => ((el as HTMLFormElement).noValidate = true));
    await form.getByRole("button", { name: c.submit, exact: typeof c.submit === "string" }).click();
    await expect(form.getByRole("alert").first()).toBeVisible();
    for (const [field, check] of checks) await check(field);
  });
}

// The ensemble form proposes the model's own versions as members, ticked. A user who changed that choice and
// went to another page and came back (a link, the back button) found the proposal ticked again and the owner
// typed lost: the App Router mounts the page afresh. The form now keeps a draft in the tab's sessionStorage.
test("the ensemble form keeps the user's members and fields across a navigation away and back", async ({ page }) => {
  await asUser(page, DEMO.ENGINEER);
  await via("/t/demo/models", "digits-cnn", "New ensemble version")(page);
  const form = byForm("New ensemble version")(page);
  const boxes = form.getByRole("checkbox");
  await expect(boxes.first()).toBeVisible();
  for (const box of await boxes.all()) await waitForHydration(box);
  const ticked = () => form.evaluate((f) => new FormData(f as HTMLFormElement).getAll("memberVersionIds").map(String));
  const proposed = await ticked();
  const last = (await boxes.last().getAttribute("value"))!;
  // The case means something only if the user's choice differs from the proposal.
  expect(proposed.length).toBeGreaterThan(0);
  expect(proposed).not.toContain(last);
  for (const box of await boxes.all()) await box.setChecked(false);
  await boxes.last().setChecked(true);
  await form.getByLabel("Owner").fill("Draft owners");
  expect(await ticked()).toEqual([last]);

  // Away by the breadcrumb link, back with the browser's back button.
  await page.getByRole("link", { name: "digits-cnn", exact: true }).first().click();
  await expect(page.getByRole("heading", { level: 1, name: "digits-cnn", exact: true })).toBeVisible();
  await page.goBack();
  await expect(page).toHaveURL(/\/ensemble$/);
  await expect(form.getByLabel("Owner")).toHaveValue("Draft owners");
  await expect.poll(ticked).toEqual([last]);

  // Away and back by links.
  await page.getByRole("link", { name: "digits-cnn", exact: true }).first().click();
  await expect(page.getByRole("heading", { level: 1, name: "digits-cnn", exact: true })).toBeVisible();
  await page.getByRole("link", { name: "New ensemble version" }).first().click();
  await expect(form.getByLabel("Owner")).toHaveValue("Draft owners");
  await expect.poll(ticked).toEqual([last]);
});

test("after the error, fixing the one field launches the evaluation that was chosen", async ({ page }) => {
  await asUser(page, DEMO.ENGINEER, "/t/demo/evaluations/new");
  const form = page.getByRole("form", { name: "New evaluation" });
  const model = form.getByLabel("Model version");
  // The last demo CNN version in the list (not the default one; endpoint models from other journeys left out).
  const chosen = model.locator("option", { hasText: /^digits-cnn v/ }).last();
  const [value, text] = [await chosen.getAttribute("value"), (await chosen.textContent())!];
  await model.selectOption(value!);
  // The demo's evaluation digits (other journeys register datasets of their own, e.g. a tabular one).
  const dataset = form.getByLabel("Dataset version");
  await dataset.selectOption((await dataset.locator("option", { hasText: "mnist-demo-eval" }).first().getAttribute("value"))!);
  await form.getByLabel("Samples").fill("-5");
  await form.getByLabel("Shard size").fill("10");
  await form.getByRole("button", { name: "Launch evaluation" }).click();
  await expect(form.getByLabel("Samples")).toHaveAttribute("aria-invalid", "true");
  await form.getByLabel("Samples").fill("10");
  await form.getByRole("button", { name: "Launch evaluation" }).click();
  await expect(page).toHaveURL(/\/evaluations\/\d+$/);
  // The evaluation's page names the model version picked before the error.
  await expect(page.getByText(text.replace(/ \(.*\)$/, "")).first()).toBeVisible();
});
