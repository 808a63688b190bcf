"""This server's gadgets as spec URLs for other containers: the spec document, the provider it declares, and the
render endpoint its content calls with OAuth."""
import pytest

from dashboard.specs import gadget_from_spec, parse_spec, spec_provider


def test_every_gadget_is_available_as_a_spec_other_containers_can_parse(user_client):
    gadgets = user_client.get_json("/api/gadgets")["gadgets"]
    exported = [g for g in gadgets if g.get("spec_url")]
    assert {"clock", "notes", "my-dashboards"} <= {g["id"] for g in exported}
    for entry in exported:
        res = user_client.app.get(entry["spec_url"].replace("http://localhost", ""))
        assert res.content_type == "application/xml"
        spec = parse_spec(res.body)  # what another Gadget Dashboard does with it
        assert spec.title == entry["title"]
        assert [p.name for p in spec.prefs] == [p["name"] for p in entry["prefs"]]
        provider = spec_provider(spec)
        assert provider.kind == "oauth1" and provider.signature_method == "RSA-SHA1"
        assert provider.endpoints == {"request_token": "http://localhost/plugins/servlet/oauth/request-token",
                                      "authorize": "http://localhost/plugins/servlet/oauth/authorize",
                                      "access_token": "http://localhost/plugins/servlet/oauth/access-token"}
        # the credentials it gets may reach this server only
        assert provider.base_urls == ["http://localhost/"]
        assert gadget_from_spec(spec, "x").provider == provider.id
        assert f"/api/gadgets/{entry['id']}/render" in spec.contents["default"][1]


def test_enum_preferences_travel_with_their_values(anon_client):
    spec = parse_spec(anon_client.app.get("/gadgets/clock/spec.xml").body)
    zone = next(p for p in spec.prefs if p.name == "time_zone")
    assert zone.type == "enum" and zone.default == "UTC" and ("Asia/Tokyo", "Asia/Tokyo") in zone.options


def test_spec_urls_of_unknown_gadgets_are_404(anon_client):
    assert anon_client.app.get("/gadgets/nope/spec.xml", status=404)


def test_render_for_the_requesting_user_with_the_given_preferences(user_client):
    got = user_client.get_json("/api/gadgets/clock/render?time_zone=Asia/Tokyo&hour_format=12")
    assert got["state"] == "none" and got["error"] is None and "Asia/Tokyo" in got["html"]
    user_client.post_json("/api/dashboards", {"title": "Holiday <plans>"}, status=201)
    got = user_client.get_json("/api/gadgets/my-dashboards/render")
    assert "alice" in got["html"] and "Holiday &lt;plans&gt;" in got["html"]
    # nothing is stored: no gadget appeared on any dashboard
    dashboards = user_client.get_json("/api/dashboards")["dashboards"]
    assert all(not any(user_client.get_json(f"/api/dashboards/{d['id']}")["columns"]) for d in dashboards)


@pytest.mark.parametrize("query, status, message", [
    ("time_zone=Mars/Olympus", 400, "Time zone must be one of"),
    ("", 404, "no such gadget here"),
])
def test_render_bad_input(user_client, query, status, message):
    gadget = "clock" if query else "nope"
    err = user_client.get_json(f"/api/gadgets/{gadget}/render?{query}", status=status)
    assert message in err["error"]


def test_a_spec_with_only_some_oauth_endpoints_names_a_plugins_provider():
    """Real-world specs often give Authorization and Access only: the name then refers to a declared provider."""
    spec = parse_spec(b'<Module><ModulePrefs title="T"><OAuth><Service name="github"><Access url="http://h/t"/>'
                      b'<Authorization url="http://h/a"/></Service></OAuth></ModulePrefs>'
                      b'<Content type="html">x</Content></Module>')
    assert spec_provider(spec) is None and gadget_from_spec(spec, "x").provider == "github"


def test_a_spec_that_changes_its_endpoints_declares_a_new_provider():
    """So an approval never follows a spec to endpoints the administrator did not approve."""
    def spec(host):
        return parse_spec(f'<Module><ModulePrefs title="T"><OAuth><Service name="B"><Request url="http://{host}/r"/>'
                          f'<Authorization url="http://{host}/a"/><Access url="http://{host}/t"/></Service></OAuth>'
                          '</ModulePrefs><Content type="html">x</Content></Module>'.encode())
    first, moved = spec_provider(spec("b.example")), spec_provider(spec("evil.example"))
    assert first.id != moved.id and first.id.startswith("spec-b-")
    assert moved.base_urls == ["http://evil.example/"]


def test_render_says_in_words_what_this_server_would_prompt_for(user_client):
    """A gadget whose provider here is not approved (or not connected) cannot be shown in another container; the
    container shows why instead of an empty gadget."""
    got = user_client.get_json("/api/gadgets/github-pulls/render")
    assert got["html"] is None and got["state"] == "pending"
    assert got["error"] == "GitHub is waiting for an administrator's approval at http://localhost/"


def test_thumbnails_packaged_with_plugins_are_served(anon_client, user_client):
    gadgets = {g["id"]: g for g in user_client.get_json("/api/gadgets")["gadgets"]}
    assert gadgets["clock"]["thumbnail"] == "http://localhost/gadgets/clock/thumbnail"
    assert gadgets["welcome"]["thumbnail"] == "http://localhost/gadgets/welcome/thumbnail"
    res = anon_client.app.get("/gadgets/clock/thumbnail")
    assert res.content_type == "image/svg+xml" and res.body.startswith(b"<svg")
    # an SVG opened on its own runs no script in our origin
    assert "sandbox" in res.headers["Content-Security-Policy"] and "default-src 'none'" in res.headers["Content-Security-Policy"]
    # other containers get the same absolute URL in the exported spec
    assert 'thumbnail="http://localhost/gadgets/clock/thumbnail"' in anon_client.app.get("/gadgets/clock/spec.xml").text
    anon_client.app.get("/gadgets/nope/thumbnail", status=404)


def test_a_thumbnail_must_be_an_image_inside_its_package():
    from dashboard.declarations import DeclarationError, Gadget, is_asset_spec

    assert is_asset_spec("pkg:thumbs/x.svg") and not is_asset_spec("https://x/y.png")
    assert not is_asset_spec("data:image/png;base64,AAAA")
    with pytest.raises(DeclarationError, match="thumbnail must be one of"):
        Gadget(id="x", title="X", render=str, thumbnail="pkg:thumbs/x.html")
