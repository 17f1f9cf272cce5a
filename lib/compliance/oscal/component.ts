import type { Catalog } from "../catalog";
import { STATUS_LABELS, type ControlStatus } from "../engine-types";
import { EVIDENCE_KIND_INFO } from "../crosswalk";
import { OSCAL_VERSION, oscalToken, prop, uuidFor } from "./ids";

// OSCAL Component Definition of one model version: the model as a software component, and per framework
// the controls its evidence implements (every control with at least one finding that is not "missing"),
// each with the evidence kinds (direct or supporting), their outcomes, and the hashes the evidence rests on
// (model manifest, datasets, deployment-gate evidence). Pure: the same input gives the same bytes.

export interface ComponentInput {
  team: { id: string; slug: string; name: string };
  model: { id: string; name: string; version: number; versionId: string; manifestDigest: string; tier: string; owner: string; task: string; intendedUse: string; files: { path: string; sha256: string }[] };
  /** The version's control statuses (lib/compliance/engine computeControlStatuses). */
  statuses: ControlStatus[];
  catalog: Catalog;
  policyVersion: number | null;
  /** When the evidence last changed (ISO 8601): the document's last-modified. */
  at: string;
  baseUrl: string;
}

type Json = Record<string, unknown>;

export function buildComponentDefinition(input: ComponentInput): Json {
  const { team, model: m, catalog } = input;
  const root = input.baseUrl.replace(/\/+$/, "");
  const base = `${root}/t/${encodeURIComponent(team.slug)}`;
  const docUuid = uuidFor("component-definition", team.id, m.versionId, catalog.version, input.policyVersion ?? "default");
  const mine = input.statuses.filter((s) => s.modelId === m.id && s.findings.some((f) => f.outcome !== "missing"));
  const implementations = catalog.frameworks.flatMap((f) => {
    const rows = mine.filter((s) => s.framework === f.id).sort((a, b) => (catalog.byKey.get(a.control)?.order ?? 0) - (catalog.byKey.get(b.control)?.order ?? 0));
    if (!rows.length) return [];
    return [{
      uuid: uuidFor(docUuid, "implementation", f.id),
      source: `${root}/api/v1/oscal/catalogs/${encodeURIComponent(f.id)}`,
      description: `${f.name} (${f.version}): the controls Bulwark's evidence about ${m.name} v${m.version} implements, under ${input.policyVersion ? `robustness policy v${input.policyVersion}` : "the default policy"}.`,
      props: [prop("framework", f.id), prop("catalog-version", catalog.version)],
      "implemented-requirements": rows.map((s) => {
        const found = s.findings.filter((x) => x.outcome !== "missing");
        const digests = [...new Set(found.flatMap((x) => x.links.map((l) => l.digest).filter((d): d is string => !!d)))].sort();
        const links = [...new Map(found.flatMap((x) => x.links).map((l) => [l.path, l])).values()];
        return {
          uuid: uuidFor(docUuid, "requirement", s.control),
          "control-id": oscalToken(s.controlId),
          description: `${STATUS_LABELS[s.status]}: ${s.reason} Evidence: ${found.map((x) => `${x.evidence} ${EVIDENCE_KIND_INFO[x.evidence].short} (${x.mark}${x.scope ? `, ${x.scope}` : ""}): ${x.outcome}`).join("; ")}.`,
          props: [
            prop("status", s.status), prop("control-label", s.controlId),
            ...found.map((x) => prop("evidence-kind", x.evidence, x.mark)),
            ...digests.map((d) => prop("evidence-sha256", d)),
          ],
          ...(links.length ? { links: links.map((l) => ({ href: `${base}/${encodeURI(l.path)}`, text: l.label })) } : {}),
        };
      }),
    }];
  });
  return {
    "component-definition": {
      uuid: docUuid,
      metadata: {
        title: `${m.name} v${m.version} — OSCAL component definition`,
        published: input.at, "last-modified": input.at, version: `${m.name} v${m.version}`, "oscal-version": OSCAL_VERSION,
        props: [prop("team", team.slug), prop("catalog-version", catalog.version), prop("policy-version", input.policyVersion ?? "default")],
        links: [{ href: `${base}/models/${encodeURIComponent(m.id)}`, text: `${m.name} v${m.version}` }],
      },
      components: [{
        uuid: uuidFor(team.id, "component", m.id, m.versionId),
        type: "software",
        title: `${m.name} v${m.version}`,
        description: m.intendedUse || `${m.task} model`,
        purpose: m.task,
        props: [
          prop("model-version-id", m.versionId), prop("manifest-sha256", m.manifestDigest), prop("risk-tier", m.tier), prop("owner", m.owner || "unknown"),
          ...m.files.map((f) => prop("file-sha256", f.sha256)),
        ],
        links: [{ href: `${base}/models/${encodeURIComponent(m.id)}` }],
        ...(implementations.length ? { "control-implementations": implementations } : {}),
      }],
    },
  };
}
