"use client";

import { useRouter } from "next/navigation";
import { useCallback, useRef, useState } from "react";
import { formatBytes } from "@/lib/registry/format";

// Posts a form as multipart with XMLHttpRequest so large uploads show progress, then shows the
// server's answer: a message, and errors next to the fields they belong to.

export interface UploadState {
  phase: "idle" | "uploading" | "checking" | "done" | "failed";
  loaded: number;
  total: number;
  message?: string;
  fieldErrors: Record<string, string>;
}

export function useXhrUpload(url: string) {
  const router = useRouter();
  const [state, setState] = useState<UploadState>({ phase: "idle", loaded: 0, total: 0, fieldErrors: {} });
  const xhrRef = useRef<XMLHttpRequest | null>(null);
  const submit = useCallback(
    (form: HTMLFormElement) => {
      const data = new FormData(form);
      const xhr = new XMLHttpRequest();
      xhrRef.current = xhr;
      xhr.open("POST", url);
      xhr.responseType = "json";
      xhr.upload.onprogress = (e) => setState((s) => ({ ...s, phase: "uploading", loaded: e.loaded, total: e.lengthComputable ? e.total : s.total }));
      xhr.upload.onload = () => setState((s) => ({ ...s, phase: "checking", loaded: s.total }));
      xhr.onload = () => {
        const body = (xhr.response ?? {}) as { ok?: boolean; message?: string; fieldErrors?: Record<string, string>; redirect?: string };
        if (xhr.status === 200 && body.ok) {
          setState((s) => ({ ...s, phase: "done", message: body.message, fieldErrors: {} }));
          if (body.redirect) router.push(body.redirect);
          router.refresh();
        } else {
          setState((s) => ({ ...s, phase: "failed", message: body.message ?? `The server answered ${xhr.status}.`, fieldErrors: body.fieldErrors ?? {} }));
        }
      };
      xhr.onerror = () => setState((s) => ({ ...s, phase: "failed", message: "The upload was interrupted (network error). Nothing was stored; try again.", fieldErrors: {} }));
      xhr.onabort = () => setState((s) => ({ ...s, phase: "idle", message: "Upload cancelled. Nothing was stored.", fieldErrors: {} }));
      setState({ phase: "uploading", loaded: 0, total: 0, fieldErrors: {} });
      xhr.send(data);
    },
    [url, router],
  );
  const cancel = useCallback(() => xhrRef.current?.abort(), []);
  return { state, submit, cancel };
}

export function UploadProgress({ state, onCancel }: { state: UploadState; onCancel: () => void }) {
  if (state.phase !== "uploading" && state.phase !== "checking") return null;
  const pct = state.total ? Math.round((state.loaded / state.total) * 100) : 0;
  return (
    <div className="rounded-lg border border-slate-200 bg-slate-50 p-3" role="status" aria-live="polite">
      <div className="mb-1.5 flex items-center justify-between text-sm">
        <span className="font-medium text-slate-700">
          {state.phase === "uploading" ? `Uploading… ${pct}%` : "Checking the files (archive safety, format, loading in the engine)…"}
        </span>
        {state.phase === "uploading" ? (
          <span className="text-xs text-slate-500">
            {formatBytes(state.loaded)} of {formatBytes(state.total)} ·{" "}
            <button type="button" onClick={onCancel} className="font-medium text-slate-700 underline">Cancel</button>
          </span>
        ) : null}
      </div>
      <div className="h-2 overflow-hidden rounded-full bg-slate-200">
        <div
          className={`h-full rounded-full bg-brand-600 transition-[width] ${state.phase === "checking" ? "animate-pulse" : ""}`}
          style={{ width: `${state.phase === "checking" ? 100 : pct}%` }}
          role="progressbar"
          aria-label="Upload progress"
          aria-valuenow={state.phase === "checking" ? 100 : pct}
          aria-valuemin={0}
          aria-valuemax={100}
        />
      </div>
    </div>
  );
}
