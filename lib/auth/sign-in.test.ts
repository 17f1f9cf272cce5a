import { describe, expect, it } from "vitest";
import { db } from "../db/client";
import { authenticate, SIGN_IN_LIMITS } from "./sign-in";
import { makeTeam, TEST_PASSWORD } from "../../test/fixtures";

describe("sign-in", () => {
  it("accepts the right password, case-insensitive e-mail", async () => {
    const { users } = await makeTeam();
    const u = await authenticate(users.ADMIN.email.toUpperCase(), TEST_PASSWORD, "10.0.0.1");
    expect(u.id).toBe(users.ADMIN.id);
  });

  it("refuses a wrong password and an unknown account with the same message", async () => {
    const { users } = await makeTeam();
    await expect(authenticate(users.ADMIN.email, "wrong password!!", "10.0.0.2")).rejects.toThrow("Wrong e-mail address or password.");
    await expect(authenticate("nobody@example.test", "wrong password!!", "10.0.0.2")).rejects.toThrow("Wrong e-mail address or password.");
  });

  it("locks an account after repeated failures, even with the right password", async () => {
    const { users } = await makeTeam();
    for (let i = 0; i < SIGN_IN_LIMITS.perAccount; i++) {
      await expect(authenticate(users.VIEWER.email, "wrong password!!", `10.1.0.${i}`)).rejects.toThrow(/Wrong/);
    }
    await expect(authenticate(users.VIEWER.email, TEST_PASSWORD, "10.1.1.1")).rejects.toThrow(/Too many failed sign-ins for this account. Try again in \d+ minutes/);
  });

  it("limits failures per IP address across accounts", async () => {
    const ip = "10.9.9.9";
    for (let i = 0; i < SIGN_IN_LIMITS.perIp; i++) {
      await expect(authenticate(`guess${i}@example.test`, "wrong password!!", ip)).rejects.toThrow(/Wrong/);
    }
    const { users } = await makeTeam();
    await expect(authenticate(users.ENGINEER.email, TEST_PASSWORD, ip)).rejects.toThrow(/from your network address/);
    // Another address is not affected.
    expect((await authenticate(users.ENGINEER.email, TEST_PASSWORD, "10.9.9.10")).id).toBe(users.ENGINEER.id);
  });

  it("a success clears the account's failures", async () => {
    const { users } = await makeTeam();
    await expect(authenticate(users.REVIEWER.email, "wrong password!!", "10.2.0.1")).rejects.toThrow();
    await authenticate(users.REVIEWER.email, TEST_PASSWORD, "10.2.0.1");
    expect(await db.signInFailure.count({ where: { email: users.REVIEWER.email } })).toBe(0);
  });
});
