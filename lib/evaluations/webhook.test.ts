import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../db/client";
import { stopQueue } from "../jobs/queue";
import { WebhookJobSchema } from "../jobs/catalog";
import { makeTeam } from "../../test/fixtures";
import { connectEverySpelling, LOOPBACK_SPELLINGS, startTrap, type Trap } from "../../test/loopback-trap";
import { addOutboundHost } from "../teams/outbound-hosts";
import type { Resolver } from "../outbound/policy";
import { deliverWebhook, sendWebhooks, updateTeamAlertSettings } from "./webhook";

// Webhooks go through the same guard as model endpoints (issue #34): checked when saved, checked again when
// delivered, sent to the URL the event was queued for. A listener on loopback counts accepted connections:
// every refusal below must leave it at 0.

let t: Awaited<ReturnType<typeof makeTeam>>;
let trap: Trap;
let receiver: Server;
let receiverPort = 0;
const received: IncomingMessage[] = [];
let answer: (res: import("node:http").ServerResponse) => void = (res) => res.end("ok");

// Made-up names, resolved by the injected resolver only.
const dns: Record<string, string[]> = {
  localhost: ["127.0.0.1", "::1"],
  "hooks.attacker.example": ["127.0.0.1"],
  "hooks6.attacker.example": ["::1"],
  "split.attacker.example": ["93.184.215.14", "127.0.0.2"],
  "metadata.attacker.example": ["169.254.169.254"],
  "receiver.corp.example": ["127.0.0.1"],
};
const resolve: Resolver = async (h) => {
  const a = dns[h];
  if (!a) throw Object.assign(new Error("not found"), { code: "ENOTFOUND" });
  return a.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
};

beforeAll(async () => {
  t = await makeTeam("webhooks");
  trap = await startTrap();
  receiver = createServer((req, res) => {
    received.push(req);
    req.resume();
    req.on("end", () => answer(res));
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  receiverPort = (receiver.address() as AddressInfo).port;
});
afterAll(async () => {
  trap.close();
  receiver.closeAllConnections();
  receiver.close();
  await stopQueue();
});

const job = (url: string | undefined) => ({ teamId: t.team.id, event: "regression.detected", payload: { summary: "test" }, ...(url ? { url } : {}) });

async function savedError(webhookUrl: string): Promise<string> {
  try {
    await updateTeamAlertSettings(t.ctx("ADMIN"), { regressionTolerancePp: 2, webhookUrl }, { resolve });
  } catch (e) {
    return (e as { fieldErrors: Record<string, string> }).fieldErrors.webhookUrl;
  }
  throw new Error(`expected ${webhookUrl} to be refused`);
}

describe("saving a webhook URL", () => {
  it("refuses every loopback spelling, metadata, names resolving inside, credentials and other schemes, naming the problem", async () => {
    expect(await connectEverySpelling(trap)).toBe(LOOPBACK_SPELLINGS.length);
    trap.accepted = 0;
    for (const h of LOOPBACK_SPELLINGS) {
      expect(await savedError(`http://${h}:${trap.port}/hook`), h).toMatch(/^Refused: the address (.* )?is (loopback|this-network|IPv4-mapped)/);
    }
    expect(await savedError("http://169.254.169.254/latest/meta-data/")).toBe(
      "Refused: the address is link-local, cloud metadata (169.254.169.254), which outbound calls may never reach.",
    );
    expect(await savedError("http://[fd00:ec2::254]/latest/")).toMatch(/cloud metadata \(fd00:ec2::254\), which outbound calls may never reach/);
    expect(await savedError(`http://hooks.attacker.example:${trap.port}/`)).toMatch(/\(hooks\.attacker\.example resolves to 127\.0\.0\.1\) is loopback/);
    expect(await savedError(`http://hooks6.attacker.example:${trap.port}/`)).toMatch(/resolves to 0000:.*:0001\) is loopback/);
    expect(await savedError(`http://split.attacker.example:${trap.port}/`)).toMatch(/resolves to 127\.0\.0\.2/);
    expect(await savedError("http://metadata.attacker.example/")).toMatch(/may never reach/);
    expect(await savedError("http://nowhere.attacker.example/")).toBe("The host nowhere.attacker.example could not be resolved (ENOTFOUND).");
    await expect(updateTeamAlertSettings(t.ctx("ADMIN"), { regressionTolerancePp: 2, webhookUrl: "http://u:p@hooks.example.com/" })).rejects.toMatchObject({ fieldErrors: { webhookUrl: expect.stringMatching(/user name or password/) } });
    expect(await db.teamSettings.findUnique({ where: { teamId: t.team.id } })).toBeNull();
    expect(trap.accepted).toBe(0);
  });
});

describe("delivering a webhook", () => {
  it("a queued job to any loopback spelling or inside name sends nothing and is not retried", async () => {
    // A settings row from before this check (or a job queued before it) may still point inside.
    await db.teamSettings.create({ data: { teamId: t.team.id, regressionTolerancePp: 2, webhookUrl: "http://127.0.0.1:1/", webhookSecret: "s".repeat(32) } });
    const urls = [
      ...LOOPBACK_SPELLINGS.map((h) => `http://${h}:${trap.port}/hook`),
      `http://hooks.attacker.example:${trap.port}/hook`,
      `http://hooks6.attacker.example:${trap.port}/hook`,
      `http://split.attacker.example:${trap.port}/hook`,
      "http://169.254.169.254/latest/meta-data/",
    ];
    for (const url of urls) {
      const r = await deliverWebhook(WebhookJobSchema.parse(job(url)), { resolve });
      expect(r, url).toMatchObject({ delivered: false, reason: expect.stringMatching(/^Refused: the address/) });
    }
    expect(trap.accepted).toBe(0);
  });

  it("reaches a private receiver only when that host and port are allowed, and never follows its redirects", async () => {
    const url = `http://receiver.corp.example:${receiverPort}/hook`;
    expect(await deliverWebhook(job(url), { resolve })).toMatchObject({ delivered: false, reason: expect.stringMatching(/private addresses/) });
    expect(received).toHaveLength(0);
    await addOutboundHost(t.ctx("ADMIN"), { host: "receiver.corp.example", allowPrivate: true, ports: [receiverPort] });
    expect(await deliverWebhook(job(url), { resolve })).toEqual({ delivered: true, status: 200 });
    expect(received).toHaveLength(1);
    expect(received[0]!.headers["x-bulwark-signature"]).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    // Another port of the same allowed host: refused.
    expect(await deliverWebhook(job(`http://receiver.corp.example:${trap.port}/hook`), { resolve })).toMatchObject({ delivered: false });
    // Redirects, to each loopback spelling: not followed, not retried.
    for (const h of LOOPBACK_SPELLINGS) {
      answer = (res) => res.writeHead(302, { location: `http://${h}:${trap.port}/collect` }).end();
      expect(await deliverWebhook(job(url), { resolve }), h).toEqual({ delivered: false, reason: "receiver.corp.example answered with a redirect (HTTP 302), which this call does not follow." });
    }
    // A failing receiver throws, for the queue to retry.
    answer = (res) => res.writeHead(503).end();
    await expect(deliverWebhook(job(url), { resolve })).rejects.toThrow(/receiver\.corp\.example answered HTTP 503/);
    answer = (res) => res.end("ok");
    expect(trap.accepted).toBe(0);
  });

  it("a queued event goes to the URL set when it was queued, not to one set later", async () => {
    received.length = 0;
    await updateTeamAlertSettings(t.ctx("ADMIN"), { regressionTolerancePp: 2, webhookUrl: `http://receiver.corp.example:${receiverPort}/first` }, { resolve });
    await db.$transaction((tx) => sendWebhooks(tx, t.team.id, [{ teamId: t.team.id, event: "deployment.promoted", payload: { n: 1 } }]));
    const rows = await db.$queryRaw<{ data: unknown }[]>`SELECT data FROM pgboss.job WHERE name = 'webhook-deliver' AND data->>'teamId' = ${t.team.id}`;
    expect(rows).toHaveLength(1);
    const queued = WebhookJobSchema.parse(rows[0]!.data);
    expect(queued.url).toBe(`http://receiver.corp.example:${receiverPort}/first`);
    // The admin points the webhook elsewhere before the (retried) delivery runs.
    await updateTeamAlertSettings(t.ctx("ADMIN"), { regressionTolerancePp: 2, webhookUrl: `http://receiver.corp.example:${receiverPort}/second` }, { resolve });
    expect(await deliverWebhook(queued, { resolve })).toMatchObject({ delivered: true });
    expect(received.map((r) => r.url)).toEqual(["/first"]);
  });
});
