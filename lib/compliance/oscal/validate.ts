// ajv 8: draft-07 with Unicode regular expressions, which OSCAL's \p{L} patterns need.
import Ajv, { type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import catalogSchema from "./schemas/oscal_catalog_schema.json";
import componentSchema from "./schemas/oscal_component_schema.json";
import assessmentResultsSchema from "./schemas/oscal_assessment-results_schema.json";

// Checks a document against NIST's OSCAL 1.0.6 JSON Schemas (copied into ./schemas from usnistgov/OSCAL
// json/schema). Each schema compiles once per process (about 0.7 s).

export type OscalModel = "catalog" | "component-definition" | "assessment-results";

const SCHEMAS: Record<OscalModel, object> = { catalog: catalogSchema, "component-definition": componentSchema, "assessment-results": assessmentResultsSchema };
const compiled = new Map<OscalModel, ValidateFunction>();
let ajv: Ajv | null = null;

function validator(model: OscalModel): ValidateFunction {
  let v = compiled.get(model);
  if (!v) {
    if (!ajv) {
      ajv = new Ajv({ strict: false, allErrors: false });
      addFormats(ajv);
    }
    v = ajv.compile(SCHEMAS[model]);
    compiled.set(model, v);
  }
  return v;
}

/** Problems of the document against the model's schema, as "path: message" lines (empty: valid). At most `limit`. */
export function oscalSchemaProblems(model: OscalModel, doc: unknown, limit = 5): string[] {
  const v = validator(model);
  if (v(doc)) return [];
  return (v.errors ?? []).slice(0, limit).map((e) => {
    const extra = e.keyword === "additionalProperties" ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})` : "";
    return `${e.instancePath || "/"}: ${e.message ?? e.keyword}${extra}`;
  });
}
