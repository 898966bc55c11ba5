"""The load test's plan, without Locust (tests import it; importing locust patches the
standard library with gevent): the simulated person's think time and the step mode's
schedule of users.

Think time (README.md, "The user model"): a rep or a lead waits WAIT_MIN..WAIT_MAX seconds
(uniform) between two clicks: reading My day, typing a contact note, editing a project.
Default 5–15 s (a click every 10 s on average, a third of the 30 s Oracle's Siebel CRM
sizing assumes); WAIT_MIN=1 WAIT_MAX=3 is the old stress mix.

Steps (``run.sh step START STOP STEP SECONDS``): START users for SECONDS, then START+STEP,
... up to STOP; the users of a step are added at SPAWN_RATE per second (default: a step's
users in 10 s) and each step's figures are taken after SETTLE seconds (default 20, or a
third of the step when that is shorter), once the new users have logged in.
"""

from dataclasses import dataclass

DEFAULT_WAIT = (5.0, 15.0)
DEFAULT_SETTLE = 20.0


def think_time(environ) -> tuple[float, float]:
    """(min, max) seconds between two clicks of one simulated person, from WAIT_MIN/WAIT_MAX."""
    low = float(environ.get("WAIT_MIN") or DEFAULT_WAIT[0])
    high = float(environ.get("WAIT_MAX") or max(DEFAULT_WAIT[1], low))
    if low < 0 or high < low:
        raise ValueError(f"think time: need 0 <= WAIT_MIN <= WAIT_MAX, not {low} and {high}")
    return low, high


def duration_seconds(text: str) -> float:
    """Locust's way of writing a time: 90, 90s, 2m, 1h30m."""
    text = text.strip().lower()
    if text.replace(".", "", 1).isdigit():
        return float(text)
    total, number = 0.0, ""
    for char in text:
        if char.isdigit() or char == ".":
            number += char
        elif char in "hms" and number:
            total += float(number) * {"h": 3600, "m": 60, "s": 1}[char]
            number = ""
        else:
            raise ValueError(f"not a duration: {text!r} (write 90, 90s, 2m or 1h30m)")
    if number or not text:
        raise ValueError(f"not a duration: {text!r} (write 90, 90s, 2m or 1h30m)")
    return total


@dataclass(frozen=True)
class Steps:
    start: int
    stop: int
    step: int
    seconds: float
    spawn_rate: float
    settle: float

    @classmethod
    def parse(cls, spec: str, spawn_rate: str = "", settle: str = "") -> "Steps":
        """From "START STOP STEP DURATION", e.g. "20 200 20 1m" (STEP_USERS in run.sh)."""
        try:
            start, stop, step, duration = spec.split()
            start, stop, step, seconds = int(start), int(stop), int(step), duration_seconds(duration)
        except ValueError as error:
            raise ValueError(
                f"steps: expected 'START STOP STEP DURATION' such as '20 200 20 1m', not {spec!r}"
            ) from error
        if start < 1 or step < 1 or stop < start or seconds <= 0:
            raise ValueError(f"steps: need 1 <= START <= STOP, STEP >= 1 and a duration, not {spec!r}")
        rate = float(spawn_rate) if spawn_rate else max(step, start) / 10
        calm = float(settle) if settle else min(DEFAULT_SETTLE, seconds / 3)
        if calm >= seconds:
            raise ValueError(f"steps: SETTLE ({calm:g} s) leaves nothing of a {seconds:g} s step to measure")
        return cls(start, stop, step, seconds, rate, calm)

    def users(self) -> list[int]:
        return list(range(self.start, self.stop + 1, self.step))

    def users_at(self, run_time: float) -> int | None:
        """Users wanted run_time seconds into the test; None once the last step is over."""
        index = int(run_time // self.seconds)
        levels = self.users()
        return levels[index] if index < len(levels) else None
