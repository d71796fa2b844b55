"""The OpenAPI document at /v1/openapi.yaml is valid, every XML body has an example of its root
element, and every body that claims an element of the published CRM schema (crm.xsd) validates
against it (issue 14 item 1; SPEC §5)."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from typing import Any

import yaml
from lxml import etree
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

CRM_XSD_URL = "/v1/schemas/crm.xsd"
METHODS = ("get", "put", "post", "delete", "patch")
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def load_spec() -> dict[str, Any]:
    text = resources.files("integrator").joinpath("api/openapi.yaml").read_text(encoding="utf-8")
    spec: dict[str, Any] = yaml.safe_load(text)
    return spec


def crm_schema() -> etree.XMLSchema:
    with resources.as_file(resources.files("integrator").joinpath("schemas/crm.xsd")) as path:
        return etree.XMLSchema(etree.parse(str(path), PARSER))


def resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        found: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            found = found[part]
        node = found
    return node


def xml_bodies(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """(where, role, schema, media type) for every application/xml request and answer body."""
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method not in item:
                continue
            operation = item[method]
            bodies = []
            if "requestBody" in operation:
                bodies.append(("request", resolve(spec, operation["requestBody"])))
            for status, response in operation["responses"].items():
                bodies.append((f"answer {status}", resolve(spec, response)))
            for role, body in bodies:
                media = body.get("content", {}).get("application/xml")
                if media is not None:
                    yield (f"{method.upper()} {path}", role, resolve(spec, media["schema"]), media)


async def test_served_document_is_valid_openapi(client: Any) -> None:
    response = await client.get("/v1/openapi.yaml")
    assert response.status == 200
    spec = yaml.safe_load(await response.text())
    validate(spec)  # raises on the first error
    errors = [str(e.message) for e in OpenAPIV31SpecValidator(spec).iter_errors()]
    assert errors == []


def test_a_stray_flow_mapping_key_is_caught() -> None:
    # the failure that made the document invalid: a comma inside a flow mapping's plain scalar
    spec = load_spec()
    broken = yaml.safe_load(
        "{name: ref, in: path, required: true, schema: {type: string}, "
        "description: Tiger/Go LOGICALREF, Netsis CARI_KOD}")
    spec["paths"]["/v1/accounts/{ref}"]["get"]["parameters"][1] = broken
    assert list(OpenAPIV31SpecValidator(spec).iter_errors())


def test_every_xml_body_has_an_example_of_its_root_element() -> None:
    spec = load_spec()
    seen = 0
    for where, role, schema, media in xml_bodies(spec):
        element = schema.get("xml", {}).get("name")
        assert element, f"{where} {role}: the body schema names no root element (xml.name)"
        assert schema.get("description"), f"{where} {role}: <{element}> is not described"
        example = media.get("example")
        assert isinstance(example, str) and example.strip(), f"{where} {role}: no example"
        root = etree.fromstring(example.strip().encode(), PARSER)
        assert root.tag == element, f"{where} {role}: the example is <{root.tag}>, not <{element}>"
        seen += 1
    assert seen >= 60  # every route's request, answers and the shared error


def test_every_operation_documents_its_answer_bodies() -> None:
    spec = load_spec()
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method not in item:
                continue
            for status, response in item[method]["responses"].items():
                response = resolve(spec, response)
                if status == "204":
                    assert "content" not in response, f"{method} {path}: 204 has no body"
                    continue
                assert response.get("content"), f"{method.upper()} {path} {status}: no body described"
            if "requestBody" in item[method]:
                content = item[method]["requestBody"]["content"]
                assert item[method]["requestBody"].get("required") is True
                assert "example" in content["application/xml"], f"{method.upper()} {path}"


def test_crm_schema_bodies_validate_against_the_published_xsd() -> None:
    spec = load_spec()
    schema = crm_schema()
    declared = {e.get("name") for e in schema_root_elements()}
    linked = 0
    for where, role, body_schema, media in xml_bodies(spec):
        docs = body_schema.get("externalDocs")
        if role == "request" and body_schema["xml"]["name"] != "IntegrationSet":
            # everything the CRM sends, except a set (its own format, docs/sets.md), is crm.xsd
            assert docs is not None, f"{where}: the request body does not link the CRM schema"
        if docs is None:
            continue
        assert docs["url"] == CRM_XSD_URL
        element = body_schema["xml"]["name"]
        assert element in declared, f"{where} {role}: <{element}> is not a global element of crm.xsd"
        document = etree.fromstring(media["example"].strip().encode(), PARSER)
        assert schema.validate(document), f"{where} {role}: {schema.error_log.last_error}"
        linked += 1
    assert linked >= 12  # 10 requests, and the Account and Product records read back
    assert CRM_XSD_URL in spec["info"]["description"]


def schema_root_elements() -> list[etree._Element]:
    with resources.as_file(resources.files("integrator").joinpath("schemas/crm.xsd")) as path:
        tree = etree.parse(str(path), PARSER)
    return tree.getroot().findall("{http://www.w3.org/2001/XMLSchema}element")


def test_an_example_outside_the_schema_is_refused() -> None:
    # the validation above can fail: a record with an unknown attribute is not a CRM Account
    schema = crm_schema()
    assert not schema.validate(etree.fromstring(b'<Account crmId="F-1" colour="red"/>', PARSER))


def test_bearer_scheme_is_named_a_static_api_key() -> None:
    spec = load_spec()
    schemes = spec["components"]["securitySchemes"]
    assert list(schemes) == ["bearerApiKey"]
    scheme = schemes["bearerApiKey"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    text = " ".join(scheme["description"].split())
    assert "static API key" in text and "not a JWT" in text
    assert "Authorization: Bearer <key>" in text
    assert spec["security"] == [{"bearerApiKey": []}]
