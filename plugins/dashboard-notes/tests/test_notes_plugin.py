def test_note_is_saved_from_inside_the_frame(user_client):
    did = user_client.get_json("/api/dashboards")["dashboards"][0]["id"]
    inst = user_client.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": "notes"})
    form = user_client.get(inst["frame_url"]).forms[0]
    form["text"] = "call Ann"
    assert "call Ann" in form.submit(status=303).follow().text
    assert "call Ann" in user_client.get(inst["frame_url"]).text


def test_conforms(user_client, admin_client):
    from dashboard.testing import check_plugin

    assert check_plugin("notes", user_client, admin_client)["gadgets"] == ["notes"]
