"""What the JSON API accepts is what its OpenAPI document says, from one source: every operation with a request body
refuses, with a 400 naming the field, an unknown field and each property given the wrong type or outside each of
its constraints, generated here from /api/openapi.json itself (a view that read its body past views/api.py ``body``,
or a document that promised a rule nobody enforces, fails here)."""
import pytest

from dashboard.views.openapi import BODY_SCHEMAS

WRONG = {"string": 12345, "integer": "x", "number": "x", "boolean": "yes", "object": [1], "array": "x"}


def valid(schema):
    """A value the property schema accepts (for lists: items of it)."""
    kind = schema["type"][0] if isinstance(schema["type"], list) else schema["type"]
    if "enum" in schema:
        return schema["enum"][0]
    return {"string": "bob", "integer": schema.get("minimum", 0), "boolean": True, "object": {},
            "array": []}[kind]


def bad_values(prop):
    """(value, why) pairs, each breaking one rule of ``prop``."""
    kinds = prop["type"] if isinstance(prop["type"], list) else [prop["type"]]
    yield WRONG[kinds[0]], "type"
    if "maxLength" in prop:
        yield "x" * (prop["maxLength"] + 1), "maxLength"
    if prop.get("minLength"):
        yield "x" * (prop["minLength"] - 1), "minLength"
    if "minimum" in prop:
        yield prop["minimum"] - 1, "minimum"
    if "maximum" in prop:
        yield prop["maximum"] + 1, "maximum"
    if "enum" in prop:
        yield "not-one-of-them", "enum"
    if "pattern" in prop:
        yield "../not a name", "pattern"
    if "maxItems" in prop:
        yield [valid(prop["items"])] * (prop["maxItems"] + 1), "maxItems"
    if prop.get("items", {}).get("type") == "string":
        yield [12345], "items"


@pytest.fixture
def world(dashboard_app, admin_client, other_client):
    """root (an administrator) with a dashboard and a gadget on it; bob, whose dashboard is shared with root; a
    group "team"."""
    did = admin_client.get_json("/api/dashboards")["dashboards"][0]["id"]
    iid = admin_client.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": "clock"}, status=201)["id"]
    bobs = other_client.get_json("/api/dashboards")["dashboards"][0]["id"]
    other_client.put_json(f"/api/dashboards/{bobs}/sharing", {"users": ["root"]})
    admin_client.post_json("/api/admin/groups", {"name": "team"}, status=201)
    params = {"did": did, "iid": iid}

    def url(path):
        if path.startswith("/api/shared/"):
            return path.format(name="bob", did=bobs)
        return path.format(name="team" if "/groups/" in path else "bob", **params)
    return admin_client, url


def send(client, method, url, data):
    return getattr(client.app, method.lower() + "_json")(url, data, headers={"X-CSRF-Token": client.csrf},
                                                        status="*")


def test_every_body_schema_refuses_fields_it_does_not_name():
    assert BODY_SCHEMAS and all(s.get("additionalProperties") is False for s in BODY_SCHEMAS.values())


def test_every_rule_of_every_request_body_in_the_document_is_enforced(world, anon_client):
    client, url = world
    doc = anon_client.get_json("/api/openapi.json")
    checked = 0
    for (path, method), schema in BODY_SCHEMAS.items():
        assert doc["paths"][path][method.lower()]["requestBody"]  # the served document is the one enforced
        target = url(path)
        base = {name: valid(schema["properties"][name]) for name in schema.get("required", ())}
        res = send(client, method, target, {**base, "zz_unknown": 1})
        assert res.status_int == 400 and res.json["error"] == "unknown fields: zz_unknown", (path, res.text)
        for name in schema.get("required", ()):
            res = send(client, method, target, {k: v for k, v in base.items() if k != name})
            assert res.status_int == 400 and res.json["error"] == f"{name} is required", (path, name, res.text)
        for name, prop in schema["properties"].items():
            for value, rule in bad_values(prop):
                res = send(client, method, target, {**base, name: value})
                assert res.status_int == 400, (path, name, rule, res.status_int, res.text)
                assert res.json["error"].startswith(name), (path, name, rule, res.json["error"])
                checked += 1
    assert checked > 40
