import { NOT_ALLOWED } from "@/app/_lib/api";

export const dynamic = "force-dynamic";

// Every /api/v1 address that no route matches: a problem document (RFC 9457) like every other API
// answer, never the HTML 404 page.
export const { GET, POST, PUT, PATCH, DELETE } = NOT_ALLOWED;
