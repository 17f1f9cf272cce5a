import { beforeAll, describe, expect, it } from "vitest";
import { db } from "../db/client";
import { verifyTeamChain } from "../audit/log";
import { ForbiddenError, NotFoundError, ValidationError } from "../errors";
import { makeTeam } from "../../test/fixtures";
import { createAttestations } from "./attestations";
import { createAttestationTemplate, deleteAttestationTemplate, listAttestationTemplates } from "./attestation-templates";
import { assessTeamById } from "./posture";
import { getCatalog } from "./catalog";
import { systemContext } from "../teams/context";

// Bulk attestation and templates on a real database: one statement for many controls in one transaction,
// each attestation audited, segregation of duties kept, nothing half-stored when one control is refused.

let t: Awaited<ReturnType<typeof makeTeam>>;
let other: Awaited<ReturnType<typeof makeTeam>>;
let modelId: string;
const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10);
const GOVERN = getCatalog().frameworks.find((f) => f.id === "nist-ai-rmf")!.controls.filter((c) => c.kind === "control" && c.id.startsWith("GOVERN")).map((c) => c.key);
const STATEMENT = "Governance pack GP-7 reviewed with the risk committee on 2026-11-30; minutes in the GRC system.";

beforeAll(async () => {
  t = await makeTeam("bulk");
  other = await makeTeam("bulk-other");
  // A model whose card names the reviewer as owner (segregation of duties is on by default).
  const m = await db.model.create({ data: { teamId: t.team.id, name: "owned-by-reviewer" } });
  await db.modelVersion.create({ data: { teamId: t.team.id, modelId: m.id, version: 1, card: {}, riskTier: "LIMITED", owner: t.users.REVIEWER.email, manifestDigest: "a".repeat(64), totalBytes: 1, engineInfo: {} } });
  modelId = m.id;
}, 600_000);

describe("bulk attestation", () => {
  it("attests 10 controls with one statement, scope, expiry and evidence link, one audit event each, in one batch", async () => {
    const controls = GOVERN.slice(0, 10);
    expect(controls).toHaveLength(10);
    const before = await db.auditEvent.count({ where: { teamId: t.team.id } });
    const rows = await createAttestations(t.ctx("REVIEWER"), { controls, modelId: null, statement: STATEMENT, expiresOn: inDays(90), evidenceUrl: "https://grc.example.test/packs/GP-7" });
    expect(rows.map((r) => r.control).sort()).toEqual([...controls].sort());
    expect(new Set(rows.map((r) => r.batchId)).size).toBe(1);
    expect(rows.every((r) => r.statement === STATEMENT && r.evidenceUrl === "https://grc.example.test/packs/GP-7" && r.modelId === null)).toBe(true);
    const events = await db.auditEvent.findMany({ where: { teamId: t.team.id, seq: { gt: before } }, orderBy: { seq: "asc" } });
    expect(events).toHaveLength(10);
    expect(events.every((e) => e.action === "attestation.create" && e.actorLabel === t.users.REVIEWER.email)).toBe(true);
    expect(events.map((e) => e.subjectId).sort()).toEqual(rows.map((r) => r.id).sort());
    expect((events[0]!.details as { batch: { size: number } }).batch.size).toBe(10);
    expect((await verifyTeamChain(systemContext(t.team.id, "job"))).intact).toBe(true);
    // The statuses follow: each control now rests on a valid attestation.
    const a = await assessTeamById(systemContext(t.team.id, "job"), { now: new Date() });
    for (const c of controls) expect(a.statuses.find((s) => s.control === c)!.attestation).toMatchObject({ state: "valid", by: t.users.REVIEWER.email });
  });

  it("refuses the whole request, storing nothing, when one control is unknown or a threat tag", async () => {
    const before = await db.attestation.count({ where: { teamId: t.team.id } });
    await expect(createAttestations(t.ctx("REVIEWER"), { controls: [GOVERN[0]!, "nist-ai-rmf:NOPE 9.9"], statement: STATEMENT, expiresOn: inDays(30) })).rejects.toThrow(/Unknown control: nist-ai-rmf:NOPE 9\.9/);
    await expect(createAttestations(t.ctx("REVIEWER"), { controls: [GOVERN[0]!, "mitre-atlas:AML.T0020"], statement: STATEMENT, expiresOn: inDays(30) })).rejects.toThrow(/AML\.T0020 cannot be attested/);
    await expect(createAttestations(t.ctx("REVIEWER"), { controls: [], statement: STATEMENT, expiresOn: inDays(30) })).rejects.toThrow(ValidationError);
    await expect(createAttestations(t.ctx("REVIEWER"), { controls: [GOVERN[0]!], statement: STATEMENT, expiresOn: inDays(30), evidenceUrl: "javascript:alert(1)" })).rejects.toMatchObject({ fieldErrors: { evidenceUrl: expect.stringMatching(/http/) } });
    await expect(createAttestations(t.ctx("REVIEWER"), { controls: [GOVERN[0]!], statement: STATEMENT, expiresOn: inDays(9999) })).rejects.toMatchObject({ fieldErrors: { expiresOn: expect.stringMatching(/at most \d+ days/) } });
    expect(await db.attestation.count({ where: { teamId: t.team.id } })).toBe(before);
  });

  it("keeps segregation of duties (the model's owner cannot attest its controls in bulk), roles and team scope", async () => {
    const input = { controls: GOVERN.slice(0, 3), modelId, statement: STATEMENT, expiresOn: inDays(30) };
    await expect(createAttestations(t.ctx("REVIEWER"), input)).rejects.toThrow(ForbiddenError);
    await expect(createAttestations(t.ctx("ENGINEER"), input)).rejects.toThrow(ForbiddenError);
    await expect(createAttestations(other.ctx("ADMIN"), input)).rejects.toThrow(NotFoundError);
    const rows = await createAttestations(t.ctx("ADMIN"), input);
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.modelId === modelId)).toBe(true);
  });
});

describe("attestation templates", () => {
  it("are created, listed, used and deleted per team, audited; names are unique per team and validity is bounded by the policy", async () => {
    const tpl = await createAttestationTemplate(t.ctx("REVIEWER"), { name: "Quarterly governance pack", statement: STATEMENT, validDays: "90", evidenceUrl: "https://grc.example.test/packs" });
    expect(tpl).toMatchObject({ validDays: 90, createdByLabel: t.users.REVIEWER.email });
    await expect(createAttestationTemplate(t.ctx("ADMIN"), { name: "Quarterly governance pack", statement: STATEMENT, validDays: 30 })).rejects.toMatchObject({ fieldErrors: { name: expect.any(String) } });
    await expect(createAttestationTemplate(t.ctx("REVIEWER"), { name: "Too long", statement: STATEMENT, validDays: 5000 })).rejects.toMatchObject({ fieldErrors: { validDays: expect.stringMatching(/at most/) } });
    await expect(createAttestationTemplate(t.ctx("VIEWER"), { name: "Viewer's", statement: STATEMENT, validDays: 30 })).rejects.toThrow(ForbiddenError);
    // Same name in another team is another template; neither team sees the other's.
    await createAttestationTemplate(other.ctx("REVIEWER"), { name: "Quarterly governance pack", statement: STATEMENT, validDays: 30 });
    expect((await listAttestationTemplates(t.ctx("VIEWER"))).map((x) => x.id)).toEqual([tpl.id]);
    await expect(deleteAttestationTemplate(other.ctx("ADMIN"), { templateId: tpl.id })).rejects.toThrow(NotFoundError);
    await deleteAttestationTemplate(t.ctx("REVIEWER"), { templateId: tpl.id });
    expect(await listAttestationTemplates(t.ctx("REVIEWER"))).toEqual([]);
    const actions = (await db.auditEvent.findMany({ where: { teamId: t.team.id, subjectId: tpl.id }, orderBy: { seq: "asc" } })).map((e) => e.action);
    expect(actions).toEqual(["attestation.template.create", "attestation.template.delete"]);
  });
});
