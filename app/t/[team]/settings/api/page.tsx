import type { Metadata } from "next";
import Link from "@/app/_components/link";
import { teamPage } from "@/app/_lib/team";
import { Badge, Card, type Tone } from "@/app/_components/ui";
import { ROLE_LABELS, PERMISSIONS } from "@/lib/auth/permissions";
import { openApiDocument } from "@/lib/api/openapi";
import { SettingsHeader } from "../tabs";

export const metadata: Metadata = { title: "API reference" };

// A readable rendering of the same OpenAPI document served at /api/v1/openapi.json.

interface Param { name: string; in: string; required: boolean; schema: Schema }
interface Schema { type?: string; enum?: unknown[]; const?: unknown; description?: string; default?: unknown; minimum?: number; maximum?: number; properties?: Record<string, Schema>; required?: string[]; anyOf?: Schema[]; items?: Schema; format?: string }
interface Op { operationId: string; summary: string; description?: string; tags: string[]; "x-bulwark-permission": keyof typeof PERMISSIONS; parameters: Param[]; requestBody?: { content: Record<string, { schema: Schema }> }; responses: Record<string, { description: string }> }

const METHOD_TONE: Record<string, Tone> = { get: "blue", post: "green", patch: "amber", delete: "red" };

function typeOf(s: Schema): string {
  if (s.enum) return s.enum.map(String).join(" | ");
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.anyOf) return s.anyOf.map(typeOf).join(" | ");
  if (s.type === "array") return `${s.items ? typeOf(s.items) : "any"}[]`;
  if (s.format === "binary") return "file";
  return s.type ?? "any";
}

function limits(s: Schema): string {
  const out = [];
  if (s.minimum !== undefined) out.push(`≥ ${s.minimum}`);
  if (s.maximum !== undefined) out.push(`≤ ${s.maximum}`);
  if (s.default !== undefined) out.push(`default ${JSON.stringify(s.default)}`);
  return out.join(", ");
}

/** `code` spans of the OpenAPI description as <code>. */
function withCode(text: string) {
  return text.split("`").map((part, i) => (i % 2 ? <code key={i} className="rounded bg-slate-100 px-1">{part}</code> : part));
}

function FieldTable({ rows, caption }: { rows: { name: string; where?: string; required: boolean; schema: Schema }[]; caption: string }) {
  if (rows.length === 0) return null;
  return (
    <table className="mt-3 w-full table-fixed text-left text-xs">
      <caption className="sr-only">{caption}</caption>
      <thead className="text-slate-500">
        <tr><th className="w-44 py-1 pr-3 font-medium">Name</th><th className="w-16 py-1 pr-3 font-medium">In</th><th className="w-56 py-1 pr-3 font-medium">Type</th><th className="py-1 font-medium">Notes</th></tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {rows.map((r) => (
          <tr key={`${r.where}-${r.name}`}>
            <td className="py-1 pr-3 font-mono text-slate-900">{r.name}{r.required ? <span className="text-rose-600" title="required"> *</span> : null}</td>
            <td className="py-1 pr-3 text-slate-500">{r.where}</td>
            <td className="break-words py-1 pr-3 font-mono text-slate-700">{typeOf(r.schema)}</td>
            <td className="py-1 text-slate-600">{[r.schema.description, limits(r.schema)].filter(Boolean).join(" — ")}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export default async function ApiReferencePage({ params }: { params: Promise<{ team: string }> }) {
  const ctx = await teamPage(params);
  const doc = openApiDocument();
  const ops = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op: op as Op })));
  const tags = [...new Set(ops.map((o) => o.op.tags[0]!))];
  return (
    <>
      <SettingsHeader team={ctx.team.slug} current="api" />
      <div className="grid grid-cols-1 gap-6 lg:grid-cols-[12rem_minmax(0,1fr)]">
        <nav aria-label="API sections" className="hidden lg:block">
          <ul className="sticky top-6 space-y-1 text-sm">
            <li><a href="#overview" className="text-slate-600 hover:text-slate-900">Overview</a></li>
            {tags.map((t) => <li key={t}><a href={`#${t.toLowerCase()}`} className="text-slate-600 hover:text-slate-900">{t}</a></li>)}
          </ul>
        </nav>
        <div className="space-y-6">
          <Card title="REST API v1" className="scroll-mt-6">
            <div id="overview" className="space-y-2 text-sm text-slate-700">
              {/* The document's description is Markdown paragraphs; bold lead-ins read as plain text here. */}
              {doc.info.description.split("\n\n").map((para, i) => <p key={i}>{withCode(para.replace(/\*\*/g, ""))}</p>)}
              <p>
                Base URL <code className="rounded bg-slate-100 px-1">/api/v1</code>. Machine-readable description:{" "}
                <a className="text-brand-700 underline" href="/api/v1/openapi.json">openapi.json</a> (OpenAPI 3.1). Tokens: <Link className="text-brand-700 underline" href={`/t/${ctx.team.slug}/settings/tokens`}>Settings → API tokens</Link>. The <code className="rounded bg-slate-100 px-1">bulwark</code> CLI (<code>npx bulwark --help</code>) wraps these calls for CI; see docs/ci.md.
              </p>
              <pre className="overflow-x-auto rounded-lg bg-slate-900 p-3 text-xs text-slate-100">{`curl -H "Authorization: Bearer $BULWARK_TOKEN" \\
  "$BULWARK_URL/api/v1/gate?model=digits-cnn@2"`}</pre>
            </div>
          </Card>
          {tags.map((tag) => (
            <section key={tag} id={tag.toLowerCase()} aria-labelledby={`h-${tag}`} className="scroll-mt-6 space-y-3">
              <h2 id={`h-${tag}`} className="text-lg font-semibold text-slate-900">{tag}</h2>
              {ops.filter((o) => o.op.tags[0] === tag).map(({ path, method, op }) => {
                const body = op.requestBody ? Object.entries(op.requestBody.content)[0] : undefined;
                const bodyRows = body ? Object.entries(body[1].schema.properties ?? {}).map(([name, schema]) => ({ name, where: body[0] === "multipart/form-data" ? "form" : "body", required: (body[1].schema.required ?? []).includes(name), schema })) : [];
                const roles = (PERMISSIONS[op["x-bulwark-permission"]] as readonly (keyof typeof ROLE_LABELS)[]).map((r) => ROLE_LABELS[r]).join(", ");
                return (
                  <article key={op.operationId} id={op.operationId} aria-label={`${method.toUpperCase()} ${path}`} className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
                    <div className="flex flex-wrap items-center gap-2">
                      <Badge tone={METHOD_TONE[method] ?? "gray"}>{method.toUpperCase()}</Badge>
                      <code className="font-mono text-sm text-slate-900">/api/v1{path}</code>
                      <span className="text-sm text-slate-600">— {op.summary}</span>
                    </div>
                    {op.description ? <p className="mt-2 text-sm text-slate-600">{op.description}</p> : null}
                    <dl className="mt-2 grid grid-cols-[6rem_1fr] gap-x-3 gap-y-0.5 text-xs">
                      <dt className="text-slate-500">Token roles</dt><dd className="text-slate-700">{roles}</dd>
                      <dt className="text-slate-500">Answers</dt><dd className="text-slate-700">{Object.entries(op.responses).filter(([c]) => c.startsWith("2")).map(([c, r]) => `${c}: ${r.description}`).join(" ")}</dd>
                    </dl>
                    <FieldTable caption={`Parameters of ${op.operationId}`} rows={[...op.parameters.map((p) => ({ name: p.name, where: p.in, required: p.required, schema: p.schema })), ...bodyRows]} />
                    {body && body[0] === "application/pdf" ? <p className="mt-2 text-xs text-slate-500">Body: the PDF file (application/pdf), or JSON {"{"}&quot;sha256&quot;: …{"}"}.</p> : null}
                  </article>
                );
              })}
            </section>
          ))}
        </div>
      </div>
    </>
  );
}
