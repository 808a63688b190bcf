"""A gadget whose script probes what a gadget frame can reach: the dashboard's cookies and DOM."""
from dashboard import Gadget, hookimpl

PROBE = """<p id="probe">probing</p>
<script>
  var out = {};
  try { out.cookie = "read:" + document.cookie; } catch (e) { out.cookie = "blocked:" + e.name; }
  try { out.parent = "read:" + window.parent.document.title; } catch (e) { out.parent = "blocked:" + e.name; }
  try { out.storage = "read:" + window.localStorage.length; } catch (e) { out.storage = "blocked:" + e.name; }
  document.getElementById("probe").textContent = JSON.stringify(out);
</script>"""


@hookimpl
def dashboard_gadgets():
    return [Gadget(id="probe", title="Probe", render=lambda ctx: PROBE, height=80)]
