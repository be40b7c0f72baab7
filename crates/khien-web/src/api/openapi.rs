//! The OpenAPI 3 description of `/api/v1`, served at `/api/openapi.json` (and
//! `/api/v1/openapi.json`). Written by hand as data; a test checks that every API route of the
//! router is described here and nothing else.

use axum::Json;
use serde_json::{Value, json};

/// Paths and methods described, also used by the route-coverage test.
pub const OPERATIONS: &[(&str, &str)] = &[
    ("get", "/api/v1/me"),
    ("get", "/api/v1/agencies"),
    ("post", "/api/v1/agencies"),
    ("get", "/api/v1/agencies/{id}"),
    ("put", "/api/v1/agencies/{id}"),
    ("get", "/api/v1/agencies/{id}/children"),
    ("get", "/api/v1/systems"),
    ("post", "/api/v1/systems"),
    ("get", "/api/v1/systems/{id}"),
    ("put", "/api/v1/systems/{id}"),
    ("get", "/api/v1/systems/{id}/assets"),
    ("post", "/api/v1/systems/{id}/assets"),
    ("delete", "/api/v1/assets/{id}"),
    ("get", "/api/v1/users"),
    ("post", "/api/v1/users"),
    ("put", "/api/v1/users/{id}"),
    ("get", "/api/v1/tokens"),
    ("post", "/api/v1/tokens"),
    ("delete", "/api/v1/tokens/{id}"),
    ("get", "/api/v1/audit"),
    ("post", "/api/v1/scans"),
    ("get", "/api/v1/findings"),
    ("post", "/api/v1/findings/bulk"),
    ("get", "/api/v1/findings/{id}"),
    ("post", "/api/v1/findings/{id}/status"),
    ("post", "/api/v1/findings/{id}/comments"),
    ("post", "/api/v1/findings/{id}/assign"),
    ("get", "/api/v1/settings/deadlines"),
    ("put", "/api/v1/settings/deadlines"),
];

fn list_of(schema: &str) -> Value {
    json!({
        "type": "object",
        "required": ["items", "total", "next"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": format!("#/components/schemas/{schema}")}},
            "total": {"type": "integer", "description": "How many items match the filter in all pages."},
            "next": {"type": ["string", "null"], "description": "Pass as ?cursor= for the following page; null at the end."}
        }
    })
}

fn op(summary: &str, params: Value, body: Option<&str>, ok: (&str, Value)) -> Value {
    let mut o = json!({
        "summary": summary,
        "parameters": params,
        "responses": {
            ok.0: {"description": "Success", "content": {"application/json": {"schema": ok.1}}},
            "400": {"$ref": "#/components/responses/Error"},
            "401": {"$ref": "#/components/responses/Error"},
            "403": {"$ref": "#/components/responses/Error"},
            "404": {"$ref": "#/components/responses/Error"},
            "413": {"$ref": "#/components/responses/Error"},
            "422": {"$ref": "#/components/responses/Error"}
        }
    });
    if let Some(b) = body {
        o["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{b}")}}}});
    }
    o
}

fn r(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn path_id() -> Value {
    json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}})
}

fn paging() -> Vec<Value> {
    vec![
        json!({"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}}),
        json!({"name": "cursor", "in": "query", "schema": {"type": "string"}, "description": "The previous page's `next`."}),
    ]
}

fn q(name: &str, ty: &str, desc: &str) -> Value {
    json!({"name": name, "in": "query", "schema": {"type": ty}, "description": desc})
}

/// The document.
pub fn spec() -> Value {
    let mut agency_params = paging();
    agency_params.extend([
        q("q", "string", "Name (with or without diacritics) or exact code."),
        q("parent_id", "integer", "Direct children of this agency."),
        q("kind", "string", "province, department, district, commune or unit."),
        q("under", "integer", "This agency's whole subtree."),
    ]);
    let mut system_params = paging();
    system_params.extend([
        q("q", "string", "Name (with or without diacritics) or exact code."),
        q("agency", "integer", "Systems owned or operated in this agency's subtree."),
        q("category", "string", "internal, citizen_business, infrastructure, industrial_control or other."),
        q("shared", "boolean", "Only shared platforms (true) or only others (false)."),
    ]);
    let mut audit_params = paging();
    audit_params.extend([
        q("entity", "string", "agency, system, asset, user, api_token"),
        q("entity_id", "string", ""),
        q("actor", "string", ""),
    ]);
    let finding_filters = vec![
        q("system", "string", "A system code (or id)."),
        q("severity", "string", "critical, high, medium, low, info; several separated by commas."),
        q(
            "status",
            "string",
            "open, in_remediation, fixed, verified, accepted, false_positive, active (open + in remediation) or all.",
        ),
        q("q", "string", "Words of the title (diacritics ignored), a CVE, host, IP, URL or the scanner's rule id."),
        q("overdue", "boolean", "Only active findings past their deadline."),
        q("kev", "boolean", "Only known-exploited vulnerabilities (CISA KEV)."),
        q("unassigned", "boolean", "Only findings not attached to a system."),
        q("agency", "integer", "Findings of systems owned in this agency's subtree."),
    ];
    let mut finding_params = paging();
    finding_params.extend(finding_filters.clone());
    let scan_params = json!([
        q(
            "format",
            "string",
            "openvas-xml, openvas-csv, nessus, nessus-csv, nuclei, trivy, zap-xml, zap-json, sarif, burp or generic-csv; detected from content when omitted."
        ),
        q(
            "system",
            "string",
            "Put every finding on the system with this code; without it findings attach by the systems' assets, the rest go to the unassigned list."
        ),
        q("name", "string", "File name to record with the scan.")
    ]);
    let empty = json!([]);
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Khiên API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Registry of agencies, information systems and assets of a province. Authenticate with `Authorization: Bearer TOKEN` (create one with `khien token create USERNAME` or on the My account page). Every answer is limited to the agencies the token's user may see."
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": {
            "/api/v1/me": {"get": op("The authenticated caller: role and scope.", empty.clone(), None, ("200", json!({"type": "object"})))},
            "/api/v1/agencies": {
                "get": op("List agencies in scope.", json!(agency_params), None, ("200", list_of("Agency"))),
                "post": op("Create an agency (province admins).", empty.clone(), Some("AgencyInput"), ("201", r("Agency")))
            },
            "/api/v1/agencies/{id}": {
                "get": op("One agency.", json!([path_id()]), None, ("200", r("Agency"))),
                "put": op("Edit or move an agency (change parent_code to move it).", json!([path_id()]), Some("AgencyInput"), ("200", r("Agency")))
            },
            "/api/v1/agencies/{id}/children": {"get": op("Direct sub-units with counts.", json!([path_id()]), None, ("200", list_of("AgencyNode")))},
            "/api/v1/systems": {
                "get": op("List information systems in scope.", json!(system_params), None, ("200", list_of("InfoSystem"))),
                "post": op("Register a system (admins; officers for their own agencies).", empty.clone(), Some("SystemInput"), ("201", r("InfoSystem")))
            },
            "/api/v1/systems/{id}": {
                "get": op("One system with its assets and user agencies.", json!([path_id()]), None, ("200", r("InfoSystem"))),
                "put": op("Edit a system.", json!([path_id()]), Some("SystemInput"), ("200", r("InfoSystem")))
            },
            "/api/v1/systems/{id}/assets": {
                "get": op("Assets of a system.", json!([path_id()]), None, ("200", list_of("Asset"))),
                "post": op("Add an asset (IP, CIDR, host name or URL; the kind is detected when omitted).", json!([path_id()]), Some("AssetInput"), ("201", r("Asset")))
            },
            "/api/v1/assets/{id}": {"delete": op("Remove an asset.", json!([path_id()]), None, ("204", json!({})))},
            "/api/v1/users": {
                "get": op("List accounts (province admins).", json!(paging()), None, ("200", list_of("User"))),
                "post": op("Create an account (province admins).", empty.clone(), Some("UserInput"), ("201", r("User")))
            },
            "/api/v1/users/{id}": {"put": op("Change an account's name, role and agencies (province admins); its sessions end.", json!([path_id()]), Some("UserUpdate"), ("200", r("User")))},
            "/api/v1/tokens": {
                "get": op("API tokens (own; all for admins).", empty.clone(), None, ("200", list_of("ApiToken"))),
                "post": op("Create an API token; the secret is in `token` and is never shown again.", empty.clone(), Some("TokenInput"), ("201", r("ApiToken")))
            },
            "/api/v1/tokens/{id}": {"delete": op("Revoke a token.", json!([path_id()]), None, ("204", json!({})))},
            "/api/v1/audit": {"get": op("The audit trail, newest first (admins, inspectors).", json!(audit_params), None, ("200", list_of("AuditEntry")))},
            "/api/v1/scans": {"post": {
                "summary": "Import a scanner report sent as the raw request body (any size; streamed to disk). One transaction: a bad report changes nothing (422 with the element or line at fault).",
                "parameters": scan_params,
                "requestBody": {"required": true, "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
                "responses": {
                    "200": {"description": "What the import did", "content": {"application/json": {"schema": r("ScanSummary")}}},
                    "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"},
                    "413": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}
                }
            }},
            "/api/v1/findings": {"get": op("List findings in scope, most severe first.", json!(finding_params), None, ("200", list_of("Finding")))},
            "/api/v1/findings/bulk": {"post": op("Change the status of every finding matching `filter` (all or nothing, at most 10,000).", empty.clone(), Some("BulkStatusInput"), ("200", json!({"type": "object", "properties": {"changed": {"type": "integer"}}})))},
            "/api/v1/findings/{id}": {"get": op("One finding with description, solution, evidence, history and KEV entries.", json!([path_id()]), None, ("200", r("Finding")))},
            "/api/v1/findings/{id}/status": {"post": op("Change a finding's status (the lifecycle rule decides which role may make which change).", json!([path_id()]), Some("StatusInput"), ("200", r("Finding")))},
            "/api/v1/findings/{id}/comments": {"post": op("Comment on a finding.", json!([path_id()]), Some("CommentInput"), ("201", json!({})))},
            "/api/v1/settings/deadlines": {
                "get": op("Remediation deadlines in days per severity.", empty.clone(), None, ("200", r("Deadlines"))),
                "put": op("Change the deadlines (province admins); every finding's due date is recomputed.", empty.clone(), Some("Deadlines"), ("200", r("Deadlines")))
            },
            "/api/v1/findings/{id}/assign": {"post": op("Give an unassigned finding's target to a system; its other unassigned findings follow and later scans attach by themselves.", json!([path_id()]), Some("AssignInput"), ("200", json!({"type": "object", "properties": {"moved": {"type": "integer"}}})))}
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {"Error": {"description": "An error with a message to act on.", "content": {"application/json": {"schema": r("Error")}}}},
            "schemas": {
                "Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {
                    "status": {"type": "integer"}, "message": {"type": "string"},
                    "fields": {"type": "array", "items": {"type": "object", "properties": {"field": {"type": "string"}, "message": {"type": "string"}, "message_vi": {"type": "string"}}}}
                }}}},
                "Agency": {"type": "object", "required": ["id", "code", "name", "parent_id"], "properties": {
                    "id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"}, "kind": {"type": "string"},
                    "parent_id": {"type": ["integer", "null"]}, "path": {"type": "string"}, "depth": {"type": "integer"},
                    "address": {"type": "string"}, "email": {"type": "string"}, "phone": {"type": "string"},
                    "created_at": {"type": "integer"}, "updated_at": {"type": "integer"}}},
                "AgencyNode": {"type": "object", "properties": {"id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"}, "kind": {"type": "string"}, "children": {"type": "integer"}, "systems": {"type": "integer"}}},
                "AgencyInput": {"type": "object", "required": ["code", "name", "kind"], "properties": {
                    "code": {"type": "string"}, "name": {"type": "string"}, "kind": {"type": "string", "enum": ["province", "department", "district", "commune", "unit"]},
                    "parent_code": {"type": "string"}, "address": {"type": "string"}, "email": {"type": "string"}, "phone": {"type": "string"}}},
                "InfoSystem": {"type": "object", "required": ["id", "code", "name", "owner_agency_id", "operator_agency_id"], "properties": {
                    "id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"}, "description": {"type": "string"},
                    "owner_agency_id": {"type": "integer"}, "owner_code": {"type": "string"}, "owner_name": {"type": "string"},
                    "operator_agency_id": {"type": "integer"}, "operator_code": {"type": "string"}, "operator_name": {"type": "string"},
                    "category": {"type": "string"}, "shared": {"type": "boolean"}, "status": {"type": "string"},
                    "contact_name": {"type": "string"}, "contact_email": {"type": "string"}, "contact_phone": {"type": "string"},
                    "assets": {"type": "array", "items": r("Asset")}, "user_agencies": {"type": "array", "items": {"type": "object"}}}},
                "SystemInput": {"type": "object", "required": ["code", "name", "owner_code", "category"], "properties": {
                    "code": {"type": "string"}, "name": {"type": "string"}, "description": {"type": "string"},
                    "owner_code": {"type": "string"}, "operator_code": {"type": "string"},
                    "category": {"type": "string", "enum": ["internal", "citizen_business", "infrastructure", "industrial_control", "other"]},
                    "shared": {"type": "boolean"}, "user_codes": {"type": "array", "items": {"type": "string"}},
                    "status": {"type": "string", "enum": ["planned", "operating", "upgrading", "retired"]},
                    "contact_name": {"type": "string"}, "contact_email": {"type": "string"}, "contact_phone": {"type": "string"}}},
                "Asset": {"type": "object", "properties": {"id": {"type": "integer"}, "system_id": {"type": "integer"}, "kind": {"type": "string"}, "value": {"type": "string"}, "note": {"type": "string"}}},
                "AssetInput": {"type": "object", "required": ["value"], "properties": {"kind": {"type": "string", "enum": ["ip", "cidr", "hostname", "url"]}, "value": {"type": "string"}, "note": {"type": "string"}}},
                "User": {"type": "object", "properties": {"id": {"type": "integer"}, "username": {"type": "string"}, "display_name": {"type": "string"}, "role": {"type": "string"}, "disabled": {"type": "boolean"}, "agencies": {"type": "array", "items": {"type": "string"}}}},
                "UserInput": {"type": "object", "required": ["username", "role", "password"], "properties": {"username": {"type": "string"}, "display_name": {"type": "string"}, "role": {"type": "string", "enum": ["admin", "analyst", "inspector", "officer", "leader"]}, "agencies": {"type": "array", "items": {"type": "string"}}, "password": {"type": "string", "minLength": 10}}},
                "UserUpdate": {"type": "object", "required": ["role"], "properties": {"display_name": {"type": "string"}, "role": {"type": "string", "enum": ["admin", "analyst", "inspector", "officer", "leader"]}, "agencies": {"type": "array", "items": {"type": "string"}}}},
                "ApiToken": {"type": "object", "properties": {"id": {"type": "integer"}, "username": {"type": "string"}, "name": {"type": "string"}, "prefix": {"type": "string"}, "token": {"type": "string"}, "revoked_at": {"type": ["integer", "null"]}}},
                "TokenInput": {"type": "object", "properties": {"username": {"type": "string"}, "name": {"type": "string"}}},
                "ScanSummary": {"type": "object", "required": ["file", "format", "parsed", "new", "updated", "reopened", "fixed", "unchanged", "unassigned"], "properties": {
                    "file": {"type": "string"}, "format": {"type": "string"}, "parsed": {"type": "integer"}, "new": {"type": "integer"},
                    "updated": {"type": "integer"}, "reopened": {"type": "integer"}, "fixed": {"type": "integer"},
                    "unchanged": {"type": "integer"}, "unassigned": {"type": "integer"}, "scan_id": {"type": ["integer", "null"], "description": "null when the same report was already imported (nothing changed)."}}},
                "Finding": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "system_id": {"type": ["integer", "null"]}, "system_code": {"type": ["string", "null"]},
                    "title": {"type": "string"}, "severity": {"type": "string", "enum": ["critical", "high", "medium", "low", "info"]},
                    "cvss_score": {"type": ["number", "null"]}, "cves": {"type": "array", "items": {"type": "string"}},
                    "rule_id": {"type": "string"}, "scanner": {"type": "string"}, "target": {"type": "string"}, "host": {"type": "string"},
                    "ip": {"type": "string"}, "port": {"type": ["integer", "null"]}, "protocol": {"type": "string"}, "url": {"type": "string"},
                    "status": {"type": "string"}, "regression": {"type": "boolean"}, "kev": {"type": "boolean"}, "epss": {"type": ["number", "null"]},
                    "first_seen": {"type": "integer"}, "last_seen": {"type": "integer"}, "due_at": {"type": ["integer", "null"]}, "overdue": {"type": "boolean"}}},
                "StatusInput": {"type": "object", "required": ["status"], "properties": {
                    "status": {"type": "string", "enum": ["open", "in_remediation", "fixed", "verified", "accepted", "false_positive"]},
                    "reason": {"type": "string", "description": "Required for accepted, false_positive and reopening."},
                    "until": {"type": ["string", "integer"], "description": "Accepted risk expiry: YYYY-MM-DD or Unix seconds."}}},
                "BulkStatusInput": {"type": "object", "required": ["status"], "properties": {
                    "status": {"type": "string"}, "reason": {"type": "string"}, "until": {"type": ["string", "integer"]},
                    "filter": {"type": "object", "description": "The list filters: system, severity, status, q, overdue, kev, unassigned, agency."}}},
                "Deadlines": {"type": "object", "required": ["critical", "high", "medium", "low"], "properties": {
                    "critical": {"type": "integer", "minimum": 1, "maximum": 3650, "default": 15}, "high": {"type": "integer", "default": 30},
                    "medium": {"type": "integer", "default": 90}, "low": {"type": "integer", "default": 180}}},
                "CommentInput": {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}},
                "AssignInput": {"type": "object", "required": ["system"], "properties": {"system": {"type": "string", "description": "System code."}}},
                "AuditEntry": {"type": "object", "properties": {"seq": {"type": "integer"}, "at": {"type": "integer"}, "actor": {"type": "string"}, "action": {"type": "string"}, "entity": {"type": "string"}, "entity_id": {"type": "string"}, "before_json": {"type": "string"}, "after_json": {"type": "string"}, "hash": {"type": "string"}}}
            }
        }
    })
}

pub async fn document() -> Json<Value> {
    Json(spec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_described() {
        let s = spec();
        let paths = s["paths"].as_object().unwrap();
        let mut described = 0;
        for (path, ops) in paths {
            for (method, _) in ops.as_object().unwrap() {
                assert!(OPERATIONS.contains(&(method.as_str(), path.as_str())), "{method} {path} not in OPERATIONS");
                described += 1;
            }
        }
        assert_eq!(described, OPERATIONS.len());
    }
}
