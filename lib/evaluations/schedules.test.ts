import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import { describe, expect, it } from "vitest";
import { db } from "../db/client";
import { getQueue } from "../jobs/queue";
import { JOBS } from "../jobs/catalog";
import { makeTeam } from "../../test/fixtures";
import { useTempStore } from "../registry/test-helpers";
import { DEMO_MODEL_NAME } from "../seed/registry";
import { useSeededTeam } from "../../test/seeded-team";
import { createSchedule, deleteSchedule, fireSchedule, listSchedules, setSchedulePaused, ScheduleInputSchema } from "./schedules";
import { acknowledgeAlert, deliverWebhook, updateTeamAlertSettings } from "./webhook";
import { addOutboundHost } from "../teams/outbound-hosts";
import { NotFoundError } from "../errors";

useTempStore();
const seeded = useSeededTeam("sched");

const input = (over: Record<string, unknown> = {}) => ScheduleInputSchema.parse({ name: "nightly", modelId: seeded.demoModelId, datasetVersionId: seeded.datasetVersionId, preset: "quick", sampleCount: 20, cron: "daily", ...over });

describe("schedules", () => {
  it("registers with pg-boss, pauses, fires an evaluation of the latest version, and is audited", async () => {
    const s = await createSchedule(seeded.team.ctx("ENGINEER"), input());
    expect(s.cron).toBe("0 3 * * *");
    const boss = await getQueue();
    expect((await boss.getSchedules(JOBS.scheduleFire.name, s.id)).map((x) => x.cron)).toEqual(["0 3 * * *"]);
    const listed = await listSchedules(seeded.team.ctx("VIEWER"));
    expect(listed[0]!.modelName).toBe(DEMO_MODEL_NAME);

    await setSchedulePaused(seeded.team.ctx("ENGINEER"), s.id, true);
    expect(await boss.getSchedules(JOBS.scheduleFire.name, s.id)).toEqual([]);
    expect(await fireSchedule({ teamId: seeded.team.team.id, scheduleId: s.id })).toBeNull();
    await setSchedulePaused(seeded.team.ctx("ENGINEER"), s.id, false);

    const created = await fireSchedule({ teamId: seeded.team.team.id, scheduleId: s.id });
    const ev = await db.evaluation.findUniqueOrThrow({ where: { id: created!.id } });
    const latest = await db.modelVersion.findFirstOrThrow({ where: { modelId: seeded.demoModelId }, orderBy: { version: "desc" } });
    expect(ev).toMatchObject({ scheduleId: s.id, modelVersionId: latest.id, sampleCount: 20, createdByLabel: "schedule: nightly" });
    const actions = (await db.auditEvent.findMany({ where: { teamId: seeded.team.team.id, subjectId: s.id }, orderBy: { seq: "asc" } })).map((e) => e.action);
    expect(actions).toEqual(["schedule.create", "schedule.pause", "schedule.resume"]);

    await deleteSchedule(seeded.team.ctx("ADMIN"), s.id);
    expect(await boss.getSchedules(JOBS.scheduleFire.name, s.id)).toEqual([]);
  });

  it("refuses bad cron, viewers and other teams", async () => {
    expect(() => input({ cron: "every day" })).toThrow(/cron expression/);
    await expect(createSchedule(seeded.team.ctx("VIEWER"), input())).rejects.toThrow(/role/);
    const other = await makeTeam("other");
    await expect(createSchedule(other.ctx("ADMIN"), input())).rejects.toThrow(NotFoundError);
    const s = await createSchedule(seeded.team.ctx("ADMIN"), input({ name: "weekly", cron: "weekly" }));
    await expect(setSchedulePaused(other.ctx("ADMIN"), s.id, true)).rejects.toThrow(NotFoundError);
    await expect(deleteSchedule(other.ctx("ADMIN"), s.id)).rejects.toThrow(NotFoundError);
  });
});

describe("webhook and alerts", () => {
  it("posts signed JSON and fails (for the queue to retry) on an error answer", async () => {
    const received: { headers: Record<string, unknown>; body: string }[] = [];
    let status = 500;
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        received.push({ headers: req.headers, body });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as { port: number }).port;
    const url = `http://127.0.0.1:${port}/hook`;
    // A receiver on a private address: allowed for that host and port only (the instance switch is on in tests).
    await addOutboundHost(seeded.team.ctx("ADMIN"), { host: "127.0.0.1", allowPrivate: true, ports: [port] });
    await updateTeamAlertSettings(seeded.team.ctx("ADMIN"), { regressionTolerancePp: 2, webhookUrl: url });
    const job = { teamId: seeded.team.team.id, event: "regression.detected", payload: { summary: "test" } };
    await expect(deliverWebhook(job)).rejects.toThrow(/127\.0\.0\.1 answered HTTP 500/);
    status = 200;
    await deliverWebhook(job);
    server.close();
    expect(received).toHaveLength(2);
    const { headers, body } = received[1]!;
    const secret = (await db.teamSettings.findUniqueOrThrow({ where: { teamId: seeded.team.team.id } })).webhookSecret!;
    const [ts, sig] = String(headers["x-bulwark-signature"]).split(",").map((p) => p.split("=")[1]);
    expect(sig).toBe(createHmac("sha256", secret).update(`${ts}.${body}`).digest("hex"));
    expect(JSON.parse(body)).toMatchObject({ event: "regression.detected", data: { summary: "test" } });
  });

  it("settings are admin-only and validated", async () => {
    await expect(updateTeamAlertSettings(seeded.team.ctx("REVIEWER"), { regressionTolerancePp: 1, webhookUrl: null })).rejects.toThrow(/role/);
    await expect(acknowledgeAlert(seeded.team.ctx("ENGINEER"), { alertId: "x", note: "fine" })).rejects.toThrow(/role/);
    await expect(acknowledgeAlert(seeded.team.ctx("REVIEWER"), { alertId: "nope", note: "fine" })).rejects.toThrow(NotFoundError);
  });
});
