import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { env } from "../env";
import { authenticate, SignInError } from "./sign-in";

/** A working day by default (BULWARK_SESSION_HOURS). The app never extends a session: it ends this long after sign-in. */
export const sessionMaxAgeSeconds = () => Math.round(env().BULWARK_SESSION_HOURS * 3600);

function clientIp(headers: Record<string, unknown> | undefined): string {
  const fwd = headers?.["x-forwarded-for"];
  const first = (Array.isArray(fwd) ? fwd[0] : typeof fwd === "string" ? fwd : "").split(",")[0]?.trim();
  return first || "unknown";
}

export function authOptions(): NextAuthOptions {
  return {
    secret: env().nextAuthSecret,
    session: { strategy: "jwt", maxAge: sessionMaxAgeSeconds() },
    pages: { signIn: "/sign-in" },
    providers: [
      CredentialsProvider({
        name: "E-mail and password",
        credentials: { email: { label: "E-mail", type: "email" }, password: { label: "Password", type: "password" } },
        async authorize(credentials, req) {
          try {
            return await authenticate(credentials?.email, credentials?.password, clientIp(req?.headers));
          } catch (e) {
            // next-auth passes the message of a thrown error to the sign-in page.
            if (e instanceof SignInError) throw new Error(e.message);
            throw new Error("Sign-in is unavailable right now. Try again in a minute.");
          }
        },
      }),
    ],
    callbacks: {
      // The token carries the user's session version at sign-in; "sign out everywhere" bumps the
      // stored one, and getSessionUser refuses tokens with an older version.
      jwt({ token, user }) {
        if (user) {
          token.uid = user.id;
          token.sv = (user as { sessionVersion?: number }).sessionVersion ?? 0;
        }
        return token;
      },
      session({ session, token }) {
        if (session.user) Object.assign(session.user, { id: token.uid as string, sessionVersion: typeof token.sv === "number" ? token.sv : 0 });
        return session;
      },
    },
  };
}
