"use client";

import dynamic from "next/dynamic";
import type { ExplorerSetup } from "@/lib/evaluations/explore";

// The explorer's UI and engine arrive in their own chunk, after the page has painted.
const Explorer = dynamic(() => import("./explorer").then((m) => m.Explorer), {
  ssr: false,
  loading: () => <p className="text-sm text-slate-600" role="status">Loading the explorer…</p>,
});

export function ExplorerLoader(props: { team: string; modelId: string; setup: ExplorerSetup }) {
  return <Explorer {...props} />;
}
