import { describe, expect, it } from "vitest";
import { DELETE, GET, POST, PUT } from "./route";
import { PUT as putSchedule } from "../schedules/[id]/route";
import { GET as getVerify } from "../reports/verify/route";

// Addresses under /api/v1 that no route matches answer problem+json, like every API answer.

describe("/api/v1 catch-all", () => {
  it("answers an unknown address with a 404 problem document", async () => {
    for (const [handler, path] of [[GET, "/api/v1/nothing-here"], [POST, "/api/v1/models/x/unknown"], [GET, "/api/v1/models/a/versions/1/b/c"]] as const) {
      const res = await handler(new Request(`http://localhost${path}`, { method: handler === POST ? "POST" : "GET" }));
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(await res.json()).toMatchObject({ status: 404, title: "Not found", detail: expect.stringContaining("openapi.json") });
    }
  });

  it("answers a method the address does not take with 405 and Allow", async () => {
    // A wrong method at an address that exists reaches that address's route file, which answers the same way.
    const res = await putSchedule(new Request("http://localhost/api/v1/schedules/abc", { method: "PUT" }));
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, PATCH, DELETE");
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect((await DELETE(new Request("http://localhost/api/v1/models", { method: "DELETE" }))).status).toBe(405);
    const verify = await getVerify(new Request("http://localhost/api/v1/reports/verify"));
    expect(verify.status).toBe(405);
    expect(verify.headers.get("allow")).toBe("POST");
    expect((await PUT(new Request("http://localhost/api/v1/x", { method: "PUT" }))).status).toBe(404);
  });
});
