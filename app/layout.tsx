import type { Metadata } from "next";
import { connection } from "next/server";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Bulwark", template: "%s · Bulwark" },
  description: "Adversarial robustness evaluation and AI governance evidence",
};

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  // Every page is rendered per request (also the 404 page, otherwise prerendered at build time), so
  // Next can put the request's CSP nonce (proxy.ts) on its scripts.
  await connection();
  return (
    <html lang="en">
      <body className="min-h-screen">{children}</body>
    </html>
  );
}
