"""Write an enrolment CSV of N made-up people to stdout (docs/cli.md): 1 facilitator and 1 marker per 100 rows.

    python3 scripts/intake_csv.py 1000 > intake-2027.csv
"""

from __future__ import annotations

import csv
import sys

FIRST = ("Kiri", "Mere", "Tama", "Aroha", "Wiremu", "Ana", "Hemi", "Sione", "Mia", "Liam")
LAST = ("Williams", "Walker", "Ngata", "Smith", "Patel", "Chen", "Brown", "Tane", "Wilson", "Taylor")


def main(count: int) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["email", "firstName", "lastName", "personId", "role"])
    for n in range(count):
        first, last = FIRST[n % len(FIRST)], LAST[(n // len(FIRST) + n) % len(LAST)]
        role = {0: "facilitator", 1: "marker"}.get(n % 100, "learner")
        if role == "facilitator" and n >= 400:
            role = "learner"  # four facilitators in all
        email = f"{first.lower()}.{last.lower()}.{n:04d}@intake.example.com"
        writer.writerow([email, first, last, f"S-{27000 + n}", role])


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
