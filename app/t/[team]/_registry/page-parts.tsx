import Link from "@/app/_components/link";
import type { ReactNode } from "react";
import { Alert, PageHeader, Table, Td } from "@/app/_components/ui";
import { Digest, VersionStatusBadges } from "@/app/_components/registry-ui";
import { can } from "@/lib/auth/permissions";
import type { TeamContext } from "@/lib/teams/access";
import { formatBytes } from "@/lib/registry/format";
import type { ActionState } from "@/app/_lib/action";
import { VersionButtons } from "./buttons";

// Pieces the model and dataset pages share: the kind's path and write permission for the team context,
// the breadcrumb, the read-only notice, the version the address asks for, the files table and the end of a
// version row.

/** A models or datasets page's list path, and whether the role may register and edit that kind. */
export function registryScope(ctx: TeamContext, path: "models" | "datasets") {
  return { base: `/t/${ctx.team.slug}/${path}`, write: can(ctx.role, path === "models" ? "model.write" : "dataset.write") };
}

/** "Models / digits-cnn / …": the list, then the record (a link when given an href), then any tail. */
export function RegistryCrumbs({ base, label, record, tail }: { base: string; label: string; record?: { name: string; href?: string }; tail?: ReactNode }) {
  return (
    <nav className="mb-2 text-sm text-slate-500">
      <Link href={base} className="hover:underline">{label}</Link>
      {record ? (
        <>
          {" / "}
          {record.href ? <Link href={record.href} className="hover:underline">{record.name}</Link> : record.name}
        </>
      ) : null}
      {tail ? <> / {tail}</> : null}
    </nav>
  );
}

/** What a read-only role sees instead of a registration form. */
export function ReadOnlyNotice({ title, children, nav }: { title: string; children: ReactNode; nav?: ReactNode }) {
  return (
    <>
      {nav}
      <PageHeader title={title} />
      <Alert tone="amber">{children}</Alert>
    </>
  );
}

/** The version named by `?v=` when there is one, else the latest (versions come newest first). */
export function pickVersion<V extends { version: number }>(versions: V[], v: string | undefined): V | undefined {
  return versions.find((x) => String(x.version) === v) ?? versions[0];
}

/** A version's stored files, each a download link, with its role, size and SHA-256. */
export function FilesTable({ href, files, role }: { href: (path: string) => string; files: { path: string; role: string; size: number; sha256: string }[]; role: (role: string) => string }) {
  return (
    <Table head={["File", "Role", "Size", "SHA-256"]} caption="Files of this version">
      {files.map((f) => (
        <tr key={f.path}>
          <Td className="font-mono text-xs">
            <a href={href(f.path)} className="text-brand-700 hover:underline" download>{f.path}</a>
          </Td>
          <Td className="text-xs">{role(f.role)}</Td>
          <Td className="whitespace-nowrap text-xs">{formatBytes(f.size)}</Td>
          <Td><Digest value={f.sha256} full testId={`sha256-${f.path}`} /></Td>
        </tr>
      ))}
    </Table>
  );
}

/** A version row's last cells: its status, and (for a role that may write) its archive and delete buttons. */
export function VersionRowEnd({ version: x, latestId, action }: {
  version: { id: string; version: number; status: string; evaluatedAt: Date | null };
  latestId: string;
  /** The kind's version action bound to the team and record; none for a read-only role. */
  action: ((prev: ActionState, form: FormData) => Promise<ActionState>) | null;
}) {
  return (
    <>
      <Td><VersionStatusBadges status={x.status} evaluatedAt={x.evaluatedAt} latest={x.id === latestId} /></Td>
      {action ? (
        <Td>
          <VersionButtons action={action} versionId={x.id} version={x.version} archived={x.status === "ARCHIVED"} evaluated={x.evaluatedAt !== null} />
        </Td>
      ) : null}
    </>
  );
}
