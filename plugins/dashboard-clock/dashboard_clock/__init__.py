"""A world clock: the time in a chosen time zone, in 12- or 24-hour format."""
from datetime import datetime
from zoneinfo import ZoneInfo, available_timezones

from dashboard import Gadget, Pref, hookimpl

#: Every IANA time zone this Python knows (from the tzdata package where the system has none), UTC first; the
#: legacy aliases ("US/Eastern", "Etc/GMT+5", ...) are left out, their canonical names are all there.
ZONES = ["UTC"] + sorted(z for z in available_timezones()
                         if "/" in z and not z.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/")))


def clock_data(ctx):
    zone = ctx.prefs["time_zone"]
    now = datetime.now(ZoneInfo(zone))
    fmt = "%I:%M %p" if ctx.prefs["hour_format"] == "12" else "%H:%M"
    return {"zone": zone, "time": now.strftime(fmt).lstrip("0") if fmt.startswith("%I") else now.strftime(fmt),
            "date": now.strftime("%A %d %B %Y"), "hour12": ctx.prefs["hour_format"] == "12"}


@hookimpl
def dashboard_gadgets():
    return [Gadget(
        id="clock", thumbnail="dashboard_clock:thumbnails/clock.svg",
        title="World clock", description="The current time in any time zone.",
        category="Time", author="Gadget Dashboard", template="dashboard_clock:templates/clock.jinja2",
        data=clock_data, refresh=60, height=110,
        prefs=[Pref("time_zone", "enum", "Time zone", default="UTC", options=ZONES),
               Pref("hour_format", "enum", "Clock", default="24", options=[("24", "24-hour"), ("12", "12-hour")])],
    )]
