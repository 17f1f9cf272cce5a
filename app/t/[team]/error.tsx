"use client";

export default function TeamError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div role="alert" className="rounded-xl border border-rose-200 bg-white p-8 shadow-sm">
      <h1 className="text-lg font-semibold text-slate-900">This page could not be loaded</h1>
      <p className="mt-2 text-sm text-slate-600">
        Something failed on the server. Nothing you entered was lost or half-saved. {error.digest ? <>Reference: <code>{error.digest}</code>.</> : null}
      </p>
      <button type="button" onClick={reset} className="mt-4 rounded-lg bg-brand-600 px-3.5 py-2 text-sm font-medium text-white hover:bg-brand-700">
        Try again
      </button>
    </div>
  );
}
