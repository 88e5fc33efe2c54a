"""``GET /api/v1/openapi.json``: the OpenAPI 3 description of the API, built from this module.

A test compares its paths with the app's routes, and a schemathesis run checks the app against
it, so it cannot drift silently.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from hublink.shared.partner_view import PARTNER_VIEW_FORMAT
from hublink.shared.sync_protocol import (MAX_CHUNK_NUMBER, MAX_RECORD_ENROLLMENTS, SYNC_FORMAT,
                                          SYNC_MODES)

__all__ = ["blueprint", "openapi_document"]

blueprint = Blueprint("openapi", __name__, url_prefix="/api/v1")

_HEX64 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
_SYNC_STATE = {
    "type": "object",
    "required": ["sync_id", "mode", "status", "received_chunks"],
    "properties": {
        "sync_id": {"type": "string", "format": "uuid"},
        "mode": {"type": "string", "enum": list(SYNC_MODES)},
        "status": {"type": "string"},
        "received_chunks": {"type": "array", "items": {"type": "integer", "minimum": 0}},
        "record_count": {"type": ["integer", "null"]},
        "added": {"type": ["integer", "null"]},
        "changed": {"type": ["integer", "null"]},
        "deleted": {"type": ["integer", "null"]},
    },
}
_SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object", "required": ["error"],
        "properties": {"error": {
            "type": "object", "required": ["code", "message", "details"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                           "details": {"type": "array", "items": {"type": "string"}}}}},
    },
    "SyncStart": {
        "type": "object",
        "required": ["format", "sync_id", "mode", "schema_id", "fingerprint", "clk_bytes"],
        "properties": {
            "format": {"type": "string", "enum": [SYNC_FORMAT]},
            "sync_id": {"type": "string", "format": "uuid"},
            "mode": {"type": "string", "enum": list(SYNC_MODES)},
            "base_sync_id": {"type": ["string", "null"], "format": "uuid"},
            "schema_id": {"type": "string", "pattern": "^[a-z0-9][a-z0-9.-]{0,39}$"},
            "fingerprint": _HEX64,
            "clk_bytes": {"type": "integer", "minimum": 8, "maximum": 1024},
            "attribute_names": {"type": "array", "uniqueItems": True,
                                "items": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,39}$"}},
            "enrollment_names": {"type": "array", "uniqueItems": True,
                                 "items": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,39}$"}},
            "agent_version": {"type": "string", "maxLength": 40},
        },
    },
    "SyncChunk": {
        "type": "object",
        "properties": {
            "format": {"type": "string", "enum": [SYNC_FORMAT]},
            "pseudonyms": {"type": "array", "items": _HEX64},
            "clks": {"type": "string", "format": "byte",
                     "description": "the CLKs of the pseudonyms, concatenated, standard base64"},
            "attributes": {"type": "object", "additionalProperties": {
                "type": "array", "items": {"type": ["string", "null"], "maxLength": 64}}},
            "deletes": {"type": "array", "items": _HEX64},
            "enrollments": {
                "type": "array", "description": "one list of enrollments per upserted record",
                "items": {"type": "array", "maxItems": MAX_RECORD_ENROLLMENTS, "items": {
                    "type": "object", "additionalProperties": {
                        "type": ["string", "null"], "maxLength": 64}}}},
        },
    },
    "SyncCommit": {
        "type": "object", "required": ["chunk_count", "record_count"],
        "properties": {"format": {"type": "string", "enum": [SYNC_FORMAT]},
                       "chunk_count": {"type": "integer", "minimum": 0},
                       "record_count": {"type": "integer", "minimum": 0}},
    },
    "SyncState": _SYNC_STATE,
    "ChunkReceipt": {
        "type": "object", "required": ["sync_id", "chunk", "upserts", "deletes"],
        "properties": {"sync_id": {"type": "string"}, "chunk": {"type": "integer"},
                       "upserts": {"type": "integer"}, "deletes": {"type": "integer"}},
    },
    "PartnerView": {
        "type": "object", "required": ["format", "partner", "last_sync", "record_count",
                                       "pseudonym_digest"],
        "properties": {
            "format": {"type": "string", "enum": [PARTNER_VIEW_FORMAT]},
            "partner": {"type": "string"},
            "last_sync": {"type": ["object", "null"], "required": ["id", "committed_at"],
                          "properties": {"id": {"type": "string", "format": "uuid"},
                                         "committed_at": {"type": ["string", "null"]},
                                         "fingerprint": {"type": ["string", "null"]}}},
            "record_count": {"type": "integer", "minimum": 0},
            "pseudonym_digest": {**_HEX64, "description": "sum mod 2^256 of SHA-256("
                                 "'hublink/partner-view/v1\\n' || pseudonym) over the held "
                                 "pseudonyms, order-independent"},
        },
    },
    "Health": {"type": "object", "required": ["status"],
               "properties": {"status": {"type": "string", "enum": ["ok"]}}},
    "Object": {"type": "object"},
    "HubCounts": {
        "type": "object",
        "required": ["partners", "partners_synced", "records", "last_match", "active_matches"],
        "properties": {"partners": {"type": "integer"}, "partners_synced": {"type": "integer"},
                       "records": {"type": "integer"}, "last_match": {"type": ["object", "null"]},
                       "active_matches": {"type": "integer"}},
    },
}


def _json(schema: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}


def _operation(summary: str, ok: dict[str, str], *, body: str | None = None,
               secured: bool = True) -> dict[str, Any]:
    """Returns one operation: its success responses (status -> schema name) and, for every
    other status, the error envelope."""
    responses: dict[str, Any] = {status: {"description": summary, "content": _json(schema)}
                                 for status, schema in ok.items()}
    errors = ["400", "401", "403", "404", "405", "409", "413", "429", "500", "503", "507"] if secured \
        else ["429", "500"]
    for status in errors:
        responses[status] = {"description": "error envelope", "content": _json("Error")}
    operation: dict[str, Any] = {"summary": summary, "responses": responses}
    if secured:
        operation["security"] = [{"apiToken": []}]
    if body:
        operation["requestBody"] = {"required": True, "content": _json(body)}
    return operation


def _export_operation() -> dict[str, Any]:
    """Returns the export operation: CSV on success, the error envelope otherwise."""
    operation = _operation("the de-identified linked dataset of an approved project (analyst)",
                           {})
    operation["parameters"] = [
        {"name": "project", "in": "query", "required": False, "schema": {"type": "string"}},
        {"name": "format", "in": "query", "required": False,
         "schema": {"type": "string", "enum": ["csv", "parquet"]}}]
    operation["responses"]["200"] = {
        "description": ("CSV or Parquet: link_id,partner,<the project's attributes>, one "
                        "row per enrollment of a linked record (one row if it has none)"),
        "content": {"text/csv": {"schema": {"type": "string"}},
                    "application/vnd.apache.parquet": {"schema": {"type": "string"}}}}
    return operation


def _published_operation(summary: str, csv: bool = False) -> dict[str, Any]:
    """Returns a published-table operation: no token for a public project, else viewer,
    analyst (of that project) or operator."""
    operation = _operation(summary, {"200": "Object"})
    operation["security"] = [{"apiToken": []}, {}]
    if csv:
        operation["parameters"] = [{"name": "format", "in": "query", "required": False,
                                    "schema": {"type": "string", "enum": ["json", "csv"]}}]
        operation["responses"]["200"]["content"]["text/csv"] = {"schema": {"type": "string"}}
    return operation


_PROJECT_NAME = {"name": "name", "in": "path", "required": True,
                 "schema": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,62}$"}}
_TABLE_NAME = {"name": "table", "in": "path", "required": True,
               "schema": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,62}$"}}
_SYNC_ID = {"name": "sync_id", "in": "path", "required": True,
            "schema": {"type": "string", "format": "uuid"}}
_CHUNK_NUMBER = {"name": "number", "in": "path", "required": True,
                 "schema": {"type": "integer", "minimum": 0, "maximum": MAX_CHUNK_NUMBER}}


def openapi_document() -> dict[str, Any]:
    """Returns the OpenAPI 3.1 description of every ``/api/v1`` route."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "hublink coordinator API", "version": "1",
                 "description": "Partner agents open a sync, put numbered chunks of CLKs, "
                                "pseudonyms and de-identified attributes, commit, and fetch "
                                "their link IDs. Every error is one JSON envelope."},
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {"apiToken": {
                "type": "http", "scheme": "bearer",
                "description": "A token of role operator (every endpoint; on a partner's "
                               "endpoints it names the partner in X-Hublink-Partner), partner "
                               "(syncs, links, status, partner-view), analyst (export, "
                               "hub-status) or viewer (hub-status). Wrong role: 403 forbidden."}},
            "schemas": _SCHEMAS,
        },
        "paths": {
            "/api/v1/health": {"get": _operation("liveness", {"200": "Health"}, secured=False)},
            "/api/v1/openapi.json": {"get": _operation("this description", {"200": "Object"},
                                                       secured=False)},
            "/api/v1/status": {"get": _operation("the partner's last sync and match run",
                                                 {"200": "Object"})},
            "/api/v1/partner-view": {"get": _operation(
                "what the coordinator holds for the partner: last sync, record count, "
                "pseudonym digest", {"200": "PartnerView"})},
            "/api/v1/links": {"get": _operation("the partner's link file", {"200": "Object"})},
            "/api/v1/attributes": {"get": _operation(
                "the attributes the hub accepts: type, values or range of each",
                {"200": "Object"})},
            "/api/v1/hub-status": {"get": _operation("hub-wide counts (viewer, analyst)",
                                                     {"200": "HubCounts"})},
            "/api/v1/export": {"get": _export_operation()},
            "/api/v1/projects": {"get": _published_operation("projects with published tables")},
            "/api/v1/projects/{name}/tables": {
                "parameters": [_PROJECT_NAME],
                "get": _published_operation("the latest publication's tables")},
            "/api/v1/projects/{name}/tables/{table}": {
                "parameters": [_PROJECT_NAME, _TABLE_NAME],
                "get": _published_operation("one published table (JSON or CSV)", csv=True)},
            "/api/v1/syncs": {"post": _operation("open a sync", {"200": "SyncState",
                                                                 "201": "SyncState"},
                                                 body="SyncStart")},
            "/api/v1/syncs/{sync_id}": {"parameters": [_SYNC_ID],
                                        "get": _operation("a sync's state",
                                                          {"200": "SyncState"})},
            "/api/v1/syncs/{sync_id}/chunks/{number}": {
                "parameters": [_SYNC_ID, _CHUNK_NUMBER],
                "put": _operation("store one chunk", {"200": "ChunkReceipt"}, body="SyncChunk")},
            "/api/v1/syncs/{sync_id}/commit": {
                "parameters": [_SYNC_ID],
                "post": _operation("apply every chunk at once", {"200": "SyncState"},
                                   body="SyncCommit")},
        },
    }


@blueprint.get("/openapi.json")
def get_openapi():
    """Returns the OpenAPI description; no authentication."""
    return openapi_document()
