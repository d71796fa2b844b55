"""The XML form of an integration set (``PUT/GET /v1/sets/{code}``), derived from the models.

The XML is the YAML structure written as XML, by four rules (docs/sets.md):

* a section (a sub-model) is a child element named in PascalCase (``logo`` -> ``<Logo>``);
* a plain value is an attribute named in camelCase (``security_code`` -> ``securityCode``),
  except long texts (SQL), which are child elements (``<StockCheck>SELECT ...</StockCheck>``);
* a list is a container element with one child per item (``users`` -> ``<Users><User .../>``,
  ``warehouses`` -> ``<Warehouses><Warehouse>1</Warehouse>``);
* a map is a container element with ``<Entry key="...">`` children.

Because both directions are generated from the pydantic models, a field added to a model is
immediately part of the XML format; tests/test_setxml.py round-trips a set with every field set.
"""

from __future__ import annotations

import types
from typing import Annotated, Any, Union, get_args, get_origin

from lxml import etree
from pydantic import BaseModel, SecretStr, ValidationError

from integrator.config import (
    MASK,
    IntegrationSet,
    SetCheck,
    format_loc,
    mask_userinfo,
    set_check_problems,
    set_context,
)
from integrator.errors import Detail, SqlRejected, ValidationFailed

ROOT = "IntegrationSet"

# the element name of one item of a list field
ITEM_NAMES = {
    "users": "User", "warehouses": "Warehouse", "converters": "Converter", "columns": "Column",
    "params": "Param", "extensions": "Extension", "account": "Map", "product": "Map",
    "order": "Map", "dispatch": "Map", "quote": "Map", "line": "Map",
}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _unwrap(annotation: Any) -> Any:
    """Strip Annotated and Optional (X | None)."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return _unwrap(args[0])
    return annotation


def _text_fields(model: type[BaseModel]) -> frozenset[str]:
    text: frozenset[str] = getattr(model, "XML_TEXT", frozenset())
    return text


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _list_item(tp: Any) -> Any | None:
    """The item type when ``tp`` is a list (or a list-or-literal union), else None."""
    tp = _unwrap(tp)
    if get_origin(tp) is list:
        return _unwrap(get_args(tp)[0])
    if get_origin(tp) in (Union, types.UnionType):
        for arg in get_args(tp):
            if get_origin(arg) is list:
                return _unwrap(get_args(arg)[0])
    return None


def _is_dict(tp: Any) -> bool:
    return get_origin(_unwrap(tp)) is dict


def _dict_value(tp: Any) -> Any:
    return _unwrap(get_args(_unwrap(tp))[1])


def _field_key(model: type[BaseModel], name: str) -> str:
    info = model.model_fields[name]
    return info.alias or name


def _scalar_text(value: Any, mask: bool) -> str:
    if isinstance(value, SecretStr):
        secret = value.get_secret_value()
        return MASK if mask and secret else secret
    if isinstance(value, bool):
        return "true" if value else "false"
    # the userinfo of a URL is a secret too (refused when a set enters; docs/sets.md)
    return mask_userinfo(str(value)) if mask else str(value)


# -- model -> XML ----------------------------------------------------------------------------------
def _write_model(element: etree._Element, model: BaseModel, mask: bool) -> None:
    cls = type(model)
    for name, info in cls.model_fields.items():
        value = getattr(model, name)
        if value is None:
            continue
        key = _field_key(cls, name)
        annotation = info.annotation
        item = _list_item(annotation)
        if isinstance(value, list) and item is not None:
            container = etree.SubElement(element, pascal(key))
            for entry in value:
                child = etree.SubElement(container, ITEM_NAMES.get(key, "Item"))
                if _is_model(item):
                    _write_model(child, entry, mask)
                else:
                    child.text = _scalar_text(entry, mask)
        elif _is_dict(annotation):
            container = etree.SubElement(element, pascal(key))
            _write_dict(container, value, _dict_value(annotation), mask)
        elif isinstance(value, BaseModel):
            _write_model(etree.SubElement(element, pascal(key)), value, mask)
        elif name in _text_fields(cls):
            etree.SubElement(element, pascal(key)).text = _scalar_text(value, mask)
        else:
            element.set(camel(key), _scalar_text(value, mask))


def _write_dict(container: etree._Element, mapping: dict[Any, Any], value_type: Any,
                mask: bool) -> None:
    for k, v in mapping.items():
        entry = etree.SubElement(container, "Entry", key=str(k))
        if isinstance(v, BaseModel):
            _write_model(entry, v, mask)
        elif isinstance(v, dict):
            _write_dict(entry, v, _dict_value(value_type), mask)
        else:
            entry.text = _scalar_text(v, mask)


def set_to_element(integration_set: IntegrationSet, *, mask: bool = True,
                   version: int | None = None, source: str | None = None) -> etree._Element:
    root = etree.Element(ROOT)
    if version is not None:
        root.set("version", str(version))
    if source is not None:
        root.set("source", source)
    _write_model(root, integration_set, mask)
    return root


# -- XML -> data for the models ---------------------------------------------------------------------
class _Problems:
    def __init__(self) -> None:
        self.items: list[Detail] = []

    def add(self, element: etree._Element, path: str, text: str) -> None:
        self.items.append(Detail(text, "input", path=path or None, line=element.sourceline))


def _read_model(element: etree._Element, model: type[BaseModel], path: str,
                problems: _Problems) -> dict[str, Any]:
    by_attr: dict[str, str] = {}
    by_child: dict[str, str] = {}
    for name in model.model_fields:
        key = _field_key(model, name)
        annotation = model.model_fields[name].annotation
        item = _list_item(annotation)
        structured = item is not None or _is_dict(annotation) or _is_model(_unwrap(annotation))
        if structured or name in _text_fields(model):
            by_child[pascal(key)] = name
        if not structured or (item is not None and get_origin(_unwrap(annotation)) is not list):
            # plain values, and a list that may also be a word (warehouses="all")
            by_attr[camel(key)] = name
    data: dict[str, Any] = {}
    for attr, raw in element.attrib.items():
        if attr in ("version", "source") and element.tag == ROOT:
            continue  # informational on GET; ignored on PUT
        attr_field = by_attr.get(str(attr))
        if attr_field is None:
            problems.add(element, _join(path, str(attr)), f"unknown attribute {attr!r}")
            continue
        data[_field_key(model, attr_field)] = raw
    for child in element:
        if not isinstance(child.tag, str):
            continue
        tag = child.tag
        child_field = by_child.get(tag)
        if child_field is None:
            problems.add(child, _join(path, tag), f"unknown element <{tag}>")
            continue
        key = _field_key(model, child_field)
        annotation = model.model_fields[child_field].annotation
        child_path = _join(path, key)
        if key in data:
            problems.add(child, child_path, f"<{tag}> given twice")
            continue
        item = _list_item(annotation)
        if item is not None:
            expected = ITEM_NAMES.get(key, "Item")
            values: list[Any] = []
            for i, sub in enumerate(c for c in child if isinstance(c.tag, str)):
                if sub.tag != expected:
                    problems.add(sub, f"{child_path}[{i}]",
                                 f"expected <{expected}> inside <{tag}>, got <{sub.tag!s}>")
                    continue
                if _is_model(item):
                    values.append(_read_model(sub, item, f"{child_path}[{i}]", problems))
                else:
                    values.append(sub.text or "")
            data[key] = values
        elif _is_dict(annotation):
            data[key] = _read_dict(child, _dict_value(annotation), child_path, problems)
        elif _is_model(_unwrap(annotation)):
            data[key] = _read_model(child, _unwrap(annotation), child_path, problems)
        else:
            data[key] = child.text or ""
    return data


def _read_dict(container: etree._Element, value_type: Any, path: str,
               problems: _Problems) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for entry in container:
        if not isinstance(entry.tag, str):
            continue
        key = entry.get("key")
        if entry.tag != "Entry" or key is None:
            problems.add(entry, path, f"expected <Entry key=\"...\"> inside <{container.tag!s}>")
            continue
        entry_path = f"{path}.{key}"
        if key in result:
            problems.add(entry, entry_path, f"key {key!r} given twice")
            continue
        if _is_model(value_type):
            attrs = {k: v for k, v in entry.attrib.items() if k != "key"}
            clone = etree.Element("Entry", attrs)
            clone.extend(list(entry))
            result[key] = _read_model(clone, value_type, entry_path, problems)
        elif _is_dict(value_type):
            result[key] = _read_dict(entry, _dict_value(value_type), entry_path, problems)
        else:
            result[key] = entry.text or ""
    return result


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _restore_masked(data: Any, current: Any, path: str, problems: list[Detail]) -> Any:
    """Replace masked secrets (as GET returns them) by the current set's values at the same path."""
    if isinstance(data, dict):
        return {k: _restore_masked(v, _child(current, k), _join(path, str(k)), problems)
                for k, v in data.items()}
    if isinstance(data, list):
        return [_restore_masked(v, _child(current, i), f"{path}[{i}]", problems)
                for i, v in enumerate(data)]
    if data == MASK:
        if isinstance(current, SecretStr):
            return current.get_secret_value()
        problems.append(Detail("this secret is masked; send its value (there is none to keep)",
                               "input", path=path))
    return data


def _child(current: Any, key: str | int) -> Any:
    if current is None:
        return None
    if isinstance(current, BaseModel):
        if isinstance(key, str):
            for name, info in type(current).model_fields.items():
                if key in (name, info.alias):
                    return getattr(current, name)
        return None
    if isinstance(current, dict):
        return current.get(key)
    if isinstance(current, list) and isinstance(key, int) and key < len(current):
        return current[key]
    return None


def set_from_element(root: etree._Element, *, code: str,
                     current: IntegrationSet | None = None,
                     check: SetCheck | None = None) -> IntegrationSet:
    """Validate an ``<IntegrationSet>`` element into a set; ``VALIDATION`` names the bad fields.

    ``code`` comes from the URL; a ``code`` attribute, if given, must agree. Masked secrets are
    kept from ``current`` (so a GET, edited and PUT back, keeps its passwords). ``check`` adds
    the checks that need the catalog and the SQL validator (``services.sets.set_problems``): when
    the only problems are statements (``Detail source="sql"``), the answer is ``SQL_REJECTED``
    with one detail per statement.
    """
    if root.tag != ROOT:
        raise ValidationFailed(f"expected <{ROOT}> as the root element, got <{root.tag!s}>")
    problems = _Problems()
    data = _read_model(root, IntegrationSet, "", problems)
    if problems.items:
        raise ValidationFailed("the integration set has unknown parts", details=problems.items)
    if data.setdefault("code", code) != code:
        raise ValidationFailed(
            f"the set code in the body ({data['code']}) differs from the URL ({code})",
            details=[Detail("code", "input", path="code", line=root.sourceline)])
    masked_problems: list[Detail] = []
    data = _restore_masked(data, current, "", masked_problems)
    if masked_problems:
        raise ValidationFailed("the integration set has masked secrets", details=masked_problems)
    try:
        return IntegrationSet.model_validate(data, context=set_context(check))
    except ValidationError as exc:
        details: list[Detail] = []
        for err in exc.errors(include_url=False, include_input=False):
            checked = set_check_problems(err)
            if checked is not None:
                details.extend(checked)
                continue
            reason = err["msg"].removeprefix("Value error, ")
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
            details.append(Detail(reason, "input", path=format_loc(loc) or None))
        if details and all(d.source == "sql" for d in details):
            raise SqlRejected("the integration set has statements that are not one read-only "
                              "SELECT; nothing was stored", details=details) from None
        raise ValidationFailed("the integration set is not valid", details=details) from None

