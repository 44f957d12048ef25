"""What one password check costs, and so how many sign-ins a core can take.

Usage (no database needed):
    DJANGO_DEBUG=1 .venv/bin/python bench/passwords.py [--checks 20]

For Django's own Argon2 costs (100 MiB, 2 passes, 8 lanes) and the portal's
(ARGON2_MEMORY_KIB, ARGON2_TIME_COST, ARGON2_PARALLELISM; negotiation/passwords.py), it checks
a right password --checks times and prints the median CPU time a check (this process's,
all its threads: what the check takes from the machine) and the wall time, and what that
means for one core: 1 / CPU time checks a second. A sign-in is a check plus its page and a
few queries (docs/PERFORMANCE.md has both). The load average is printed before and after:
the wall time follows it, the CPU time much less.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django

django.setup()

from django.contrib.auth.hashers import Argon2PasswordHasher  # noqa: E402

from negotiation.passwords import PortalArgon2PasswordHasher  # noqa: E402

PASSWORD = "a calm sentence 2027"  # nosec B105: a benchmark's own input


def median_check(hasher: Argon2PasswordHasher, checks: int) -> tuple[float, float]:
    """Median CPU and wall milliseconds of one right-password check."""
    encoded = hasher.encode(PASSWORD, hasher.salt())
    cpu: list[float] = []
    wall: list[float] = []
    for _ in range(checks):
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        assert hasher.verify(PASSWORD, encoded)
        cpu.append((time.process_time() - cpu_start) * 1000)
        wall.append((time.perf_counter() - wall_start) * 1000)
    return statistics.median(cpu), statistics.median(wall)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--checks", type=int, default=20)
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("| hasher | costs | CPU a check (median) | wall a check | checks a second per core |")
    print("|---|---|---|---|---|")
    for name, hasher in (
        ("Django's Argon2PasswordHasher", Argon2PasswordHasher()),
        ("PortalArgon2PasswordHasher", PortalArgon2PasswordHasher()),
    ):
        cpu, wall = median_check(hasher, args.checks)
        costs = f"{hasher.memory_cost // 1024} MiB, t={hasher.time_cost}, p={hasher.parallelism}"
        print(f"| {name} | {costs} | {cpu:.1f} ms | {wall:.1f} ms | {1000 / cpu:.1f} |")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
