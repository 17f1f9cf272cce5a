import Link from "@/app/_components/link";
import { notFound } from "next/navigation";
import { Alert, PageHeader } from "@/app/_components/ui";
import { can } from "@/lib/auth/permissions";
import type { TeamContext } from "@/lib/teams/access";
import { EditCardForm } from "./edit-card-form";
import { pickVersion, RegistryCrumbs } from "./page-parts";

const KIND = {
  models: {
    label: "Models",
    noun: "model",
    permission: "model.write",
    description: "Descriptive fields can change until the version is evaluated. Input shape, value range, preprocessing and class labels are fixed: the files were checked against them.",
  },
  datasets: {
    label: "Datasets",
    noun: "dataset",
    permission: "dataset.write",
    description: "Provenance, licence and personal-data facts can be corrected until the version is evaluated. The data itself, its labels and counts are fixed.",
  },
} as const;

/** The edit-card page of a model or dataset: the version `?v=` names (else the latest), blocked for read-only roles and evaluated versions. */
export function EditCardPage<C>({ ctx, path, record, v, toFields, datasets, licences }: {
  ctx: TeamContext;
  path: "models" | "datasets";
  record: { id: string; name: string; versions: { id: string; version: number; evaluatedAt: Date | null; card: C }[] };
  v: string | undefined;
  toFields: (card: C) => Record<string, string>;
  datasets?: { id: string; label: string }[];
  licences?: readonly string[];
}) {
  const kind = KIND[path];
  const version = pickVersion(record.versions, v);
  if (!version) notFound();
  const base = `/t/${ctx.team.slug}/${path}`;
  const back = `${base}/${record.id}?v=${version.version}`;
  const blocked = !can(ctx.role, kind.permission) ? `Your role in this team is read-only for ${path}.` : version.evaluatedAt ? `Version ${version.version} has been evaluated, so its card is immutable. Upload a new version to change it.` : null;
  return (
    <>
      <RegistryCrumbs base={base} label={kind.label} record={{ ...record, href: back }} tail="edit card" />
      <PageHeader title={`Edit the card of ${record.name} v${version.version}`} description={kind.description} />
      {blocked ? (
        <Alert tone="amber">{blocked} <Link href={back} className="underline">Back to the {kind.noun}</Link></Alert>
      ) : (
        <EditCardForm path={path} team={ctx.team.slug} id={record.id} versionId={version.id} back={back} defaults={toFields(version.card)} datasets={datasets} licences={licences} />
      )}
    </>
  );
}
