"""The OpenAPI 3 document of the reseller API, served at /api/openapi.json."""
from __future__ import annotations

from flask import jsonify

from tenants.customers.courses import FLAG_FIELDS, LIMIT_FIELDS
from tenants.customers.listing import SORTS, STATUSES


def _error():
    return {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message", "field"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                       "field": {"type": ["string", "null"]}}}}}


def _responses(ok: dict, *codes) -> dict:
    out = dict(ok)
    for code in ("400", "401", "404", "409", "422", *codes):
        out[code] = {"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    return out


def _json(ref: str, status: str = "200") -> dict:
    return {status: {"description": "OK", "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}}


def _body(ref: str, required: bool = True) -> dict:
    return {"required": required, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


ID = {"in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
NULLABLE_STR = {"type": ["string", "null"]}
NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}

CUSTOMER_IN = {"type": "object", "properties": {
    "login_id": {"type": "string", "maxLength": 64}, "password": {"type": ["string", "null"], "maxLength": 128},
    "contractor_name": {"type": "string", "maxLength": 200}, "customer_number": NULLABLE_STR,
    "course_id": {"type": "integer"}, "server_id": {"type": ["integer", "null"]}, "contract_date": NULLABLE_DATE,
    "start_date": NULLABLE_DATE, "contact_email": NULLABLE_STR,
    "status": {"type": "string", "enum": ["active", "suspended", "locked"]}}}
CUSTOMER_OUT = {"type": "object", "properties": {
    "id": {"type": "integer"}, "login_id": NULLABLE_STR, "contractor_name": {"type": "string"},
    "customer_number": NULLABLE_STR, "status": {"type": "string"}, "disk_used_bytes": {"type": "integer"},
    "password": {"type": "string", "description": "only when generated; shown once"}}}
COURSE_PROPS = {"name": {"type": "string", "maxLength": 100}, "description": NULLABLE_STR,
                **{f: {"type": "integer", "minimum": 0} for f in LIMIT_FIELDS}, **{f: {"type": "boolean"} for f in FLAG_FIELDS}}


def document() -> dict:
    list_params = [{"in": "query", "name": "q", "schema": {"type": "string"}},
                   {"in": "query", "name": "sort", "schema": {"type": "string", "enum": list(SORTS)}},
                   {"in": "query", "name": "status", "schema": {"type": "string", "enum": list(STATUSES)}},
                   {"in": "query", "name": "page", "schema": {"type": "integer", "minimum": 1}},
                   {"in": "query", "name": "per_page", "schema": {"type": "integer", "minimum": 1, "maximum": 200}}]
    cid = [{**ID, "name": "customer_id"}]
    crid = [{**ID, "name": "course_id"}]
    return {
        "openapi": "3.1.0",
        "info": {"title": "Reseller API", "version": "1.0.0",
                 "description": "Customers, courses and usage of one reseller. Authenticate with "
                                "`Authorization: Bearer <token>` (tokens are created in the business panel)."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": {
            "/api/customers": {
                "get": {"operationId": "listCustomers", "parameters": list_params,
                        "responses": _responses(_json("CustomerPage"))},
                "post": {"operationId": "createCustomer", "requestBody": _body("CustomerIn"),
                         "responses": _responses(_json("Customer", "201"))}},
            "/api/customers/{customer_id}": {
                "parameters": cid,
                "get": {"operationId": "getCustomer", "responses": _responses(_json("Customer"))},
                "patch": {"operationId": "updateCustomer", "requestBody": _body("CustomerIn"),
                          "responses": _responses(_json("Customer"))},
                "delete": {"operationId": "deleteCustomer", "responses": _responses({"204": {"description": "deleted"}})}},
            "/api/customers/{customer_id}/suspend": {"parameters": cid, "post": {
                "operationId": "suspendCustomer", "responses": _responses(_json("Customer"))}},
            "/api/customers/{customer_id}/resume": {"parameters": cid, "post": {
                "operationId": "resumeCustomer", "responses": _responses(_json("Customer"))}},
            "/api/customers/{customer_id}/password": {"parameters": cid, "post": {
                "operationId": "resetPassword", "requestBody": _body("PasswordIn", required=False),
                "responses": _responses(_json("PasswordOut"))}},
            "/api/customers/{customer_id}/usage": {"parameters": cid, "get": {
                "operationId": "customerUsage", "responses": _responses(_json("Object"))}},
            "/api/courses": {
                "get": {"operationId": "listCourses", "responses": _responses(_json("Object"))},
                "post": {"operationId": "createCourse", "requestBody": _body("CourseIn"),
                         "responses": _responses(_json("Course", "201"))}},
            "/api/courses/{course_id}": {
                "parameters": crid,
                "get": {"operationId": "getCourse", "responses": _responses(_json("Course"))},
                "patch": {"operationId": "updateCourse", "requestBody": _body("CourseIn"),
                          "responses": _responses(_json("Course"))},
                "delete": {"operationId": "deleteCourse", "responses": _responses({"204": {"description": "deleted"}})}},
            "/api/usage": {"get": {"operationId": "usage", "responses": _responses(_json("Object"))}},
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": _error(), "Object": {"type": "object"},
                "CustomerIn": CUSTOMER_IN, "Customer": CUSTOMER_OUT,
                "CustomerPage": {"type": "object", "properties": {
                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Customer"}},
                    "page": {"type": "integer"}, "per_page": {"type": "integer"}, "total": {"type": "integer"},
                    "pages": {"type": "integer"}}},
                "CourseIn": {"type": "object", "properties": COURSE_PROPS,
                             "description": "PATCH: send \"confirm\": true to lower a limit below what customers use"},
                "Course": {"type": "object", "properties": {"id": {"type": "integer"}, **COURSE_PROPS}},
                "PasswordIn": {"type": "object", "properties": {"password": {"type": ["string", "null"]}}},
                "PasswordOut": {"type": "object", "properties": {"login_id": {"type": "string"},
                                                                  "password": {"type": "string"}}},
            }},
    }


def openapi():
    return jsonify(document())
