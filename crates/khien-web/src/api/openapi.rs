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
            "/api/v1/audit": {"get": op("The audit trail, newest first (admins, inspectors).", json!(audit_params), None, ("200", list_of("AuditEntry")))}
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
