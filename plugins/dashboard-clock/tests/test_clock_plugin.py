import re


def test_clock_shows_the_chosen_zone_and_format(user_client):
    did = user_client.get_json("/api/dashboards")["dashboards"][0]["id"]
    inst = user_client.post_json(f"/api/dashboards/{did}/gadgets",
                                 {"gadget": "clock", "prefs": {"time_zone": "America/New_York"}})
    text = user_client.get(inst["frame_url"]).text
    assert "America/New_York" in text and re.search(r">\d\d:\d\d<", text)


def test_unknown_zone_is_refused(user_client):
    did = user_client.get_json("/api/dashboards")["dashboards"][0]["id"]
    err = user_client.post_json(f"/api/dashboards/{did}/gadgets",
                                {"gadget": "clock", "prefs": {"time_zone": "Nowhere/Else"}}, status=400)
    assert "Time zone must be one of" in err["error"]


def test_every_iana_time_zone_can_be_chosen(user_client):
    from zoneinfo import available_timezones

    from dashboard_clock import ZONES

    areas = ("Africa/", "America/", "Antarctica/", "Arctic/", "Asia/", "Atlantic/", "Australia/", "Europe/",
             "Indian/", "Pacific/")  # every zone of the IANA database's areas, as zoneinfo has it here
    assert {z for z in available_timezones() if z.startswith(areas)} | {"UTC"} <= set(ZONES) <= available_timezones()
    did = user_client.get_json("/api/dashboards")["dashboards"][0]["id"]
    for zone in ("Asia/Kathmandu", "America/Argentina/Buenos_Aires", "Pacific/Chatham", "Antarctica/Troll"):
        inst = user_client.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": "clock", "prefs": {"time_zone": zone}})
        assert zone in user_client.get(inst["frame_url"]).text
    prefs = user_client.app.get(f"/d/{did}/g/{inst['id']}/prefs").text
    assert prefs.count("<option") > 400


def test_conforms(user_client, admin_client):
    from dashboard.testing import check_plugin

    report = check_plugin("clock", user_client, admin_client)  # every zone offered, both hour formats
    assert report["gadgets"] == ["clock"] and report["renders"] > 500
