import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { db } from "../lib/db/client";
import { AppError } from "../lib/errors";
import { verifyTeamChain } from "../lib/audit/log";
import { registerModelVersion } from "../lib/registry/models";
import { cardFields, makeTfjsModel, registryRowCounts, stage, storedBlobs, useTempStore } from "../lib/registry/test-helpers";
import { makeTeam } from "./fixtures";
import { systemContext } from "../lib/teams/context";

// Faults in the artifact store: an upload to a store folder that cannot be written to is refused with
// an error that names the store, and leaves no record behind (no rows, no audit events, no blobs).
// Reports and evaluations write nothing to the store (PDFs and results live in the database), so the
// uploads are the paths to prove.

const { store } = useTempStore();

/** Makes a folder unwritable for this process: chmod for a normal user; root ignores modes, so chattr +i. */
function makeUnwritable(dir: string): () => void {
  if (process.getuid?.() === 0) {
    execFileSync("chattr", ["+i", dir]);
    return () => execFileSync("chattr", ["-i", dir]);
  }
  chmodSync(dir, 0o555);
  return () => chmodSync(dir, 0o755);
}

describe("unwritable artifact store", () => {
  it("refuses a model upload with an error naming the store, and stores nothing", { timeout: 120_000 }, async () => {
    const { ctx, team } = await makeTeam("store");
    const tfm = await makeTfjsModel();
    const files = () => stage([{ name: "model.json", data: tfm.modelJson }, { name: tfm.weightsName, data: tfm.weights }]);
    mkdirSync(store.root, { recursive: true });
    const restore = makeUnwritable(store.root);
    try {
      // The premise: this process really cannot write there.
      expect(() => writeFileSync(join(store.root, "probe"), "x")).toThrow();
      const { staging, files: staged } = await files();
      const error = await registerModelVersion(ctx("ENGINEER"), { name: "unwritable", card: cardFields(), files: staged }, staging).catch((e: unknown) => e);
      await staging.dispose();
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).status).toBe(503);
      expect((error as AppError).code).toBe("artifact_store_unavailable");
      expect((error as AppError).message).toContain(store.root);
      expect((error as AppError).message).toMatch(/could not be written to the artifact store .*the version was not registered/);
    } finally {
      restore();
    }
    expect(await registryRowCounts(team.id)).toEqual({ models: 0, modelVersions: 0, datasets: 0, datasetVersions: 0, artifacts: 0, files: 0 });
    expect(await db.auditEvent.count({ where: { teamId: team.id } })).toBe(0);
    expect(await storedBlobs(store)).toEqual([]);

    // Once the store is writable again the same upload goes through: nothing was left to get in its way.
    const { staging, files: staged } = await files();
    const ok = await registerModelVersion(ctx("ENGINEER"), { name: "unwritable", card: cardFields(), files: staged }, staging);
    await staging.dispose();
    expect(ok.version).toBe(1);
    expect(await storedBlobs(store)).toHaveLength(2);
    expect((await verifyTeamChain(systemContext(team.id, "job"))).intact).toBe(true);
    rmSync(store.root, { recursive: true, force: true });
  });
});
