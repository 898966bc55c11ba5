"""Bulk creation of users from a spreadsheet: dry run and commit of 500 users, wall time, CPU and queries.

    .venv/bin/python benchmarks/users_bench.py                      # 500 users, 9 repeats per mode
    .venv/bin/python benchmarks/users_bench.py --users 2000 --repeat 3 --password-users 20

Uses its own PostgreSQL database (``--db``, default ``funnel_imports_bench_users``) on the server of
``DATABASE_URL``, created fresh, migrated and dropped at the end unless ``--keep``. It makes 50 teams (half of
them without a lead), then per repeat an XLSX file of ``--users`` new users (fresh usernames each time:
every commit is real, so the invitations sent after it are timed too; e-mail goes to Django's in-memory
backend) — about one in 25 a lead of a team without one, the rest reps — and, as an admin, runs
``importing.USERS.dry_run`` and ``commit`` (what the background job runs). Modes: ``invite`` (no password:
an invitation e-mail each) and ``password`` (an initial password each, ``--password-users`` users: the
password hasher's deliberate cost, PBKDF2 with Django's iterations, dominates and is reported per user).
"""

import argparse
import io
import os
import statistics
import sys

from import_bench import Phase, in_fresh_database, round_trip_ms


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=500, help="Users per file (default 500).")
    parser.add_argument("--password-users", type=int, default=50, help="Users per file with a password (50).")
    parser.add_argument("--repeat", type=int, default=9, help="Commits per mode (default 9).")
    parser.add_argument("--db", default="funnel_imports_bench_users")
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards (default: drop it).")
    parser.add_argument("--existing-teams", type=int, default=0, help=argparse.SUPPRESS)
    return parser.parse_args()


def user_file(count, *, prefix, teams, free_teams, password):
    import openpyxl

    from accounts.importing import USERS

    columns = USERS.columns.template
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append([column.header for column in columns])
    free = list(free_teams)
    for n in range(count):
        lead = n % 25 == 0 and free
        values = {
            "username": f"{prefix}{n:05d}",
            "display_name": f"新同事{prefix}{n}",
            "email": f"{prefix}{n}@example.com",
            "mobile": f"139{n:08d}",
            "role": "组长" if lead else "销售",
            "team": free.pop() if lead else teams[n % len(teams)],
            "password": f"Kx9!mq-{prefix}-{n}" if password else "",
        }
        sheet.append([values[column.key] for column in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def main():
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    in_fresh_database(parse_args(), run)


def run(args):
    from django.core import mail
    from django.core.management import call_command

    from accounts.importing import USERS
    from accounts.models import UserImport
    from teams.models import Role, Team, User

    call_command("migrate", verbosity=0)
    admin = User.objects.create_user(username="bench-admin", password="x", role=Role.ADMIN, email="a@example.com")
    Team.objects.bulk_create([Team(name=f"第{n}组") for n in range(50)])
    print(f"Python {sys.version.split()[0]}. Query round trip (SELECT 1, median of 500): {round_trip_ms():.2f} ms.")
    print(f"\n{'phase':<18}{'wall s':>8}{'CPU s':>8}{'RSS MB':>10}{'heap MB':>10}{'queries':>9}   result")
    for mode, count in (("invite", args.users), ("password", args.password_users)):
        walls, cpus, queries = [], [], []
        for repeat in range(args.repeat):
            teams = list(Team.objects.values_list("name", flat=True))
            free = list(Team.objects.filter(lead__isnull=True).values_list("name", flat=True))[:20]
            prefix = f"{mode[0]}{repeat}u"
            content = user_file(count, prefix=prefix, teams=teams, free_teams=free, password=mode == "password")
            with Phase(f"{mode} dry run", trace=False) as phase:
                report = USERS.dry_run(user=admin, content=content, filename="users.xlsx")
            if repeat == 0:
                print(phase.line(f"{report['counts']['users']:,} users ok, {report['counts']['error']:,} errors"))
            stored = UserImport.objects.create(user=admin, filename="users.xlsx", content=content, report=report)
            mail.outbox = []
            with Phase(f"{mode} commit #{repeat + 1}", trace=False) as phase:
                report = USERS.commit(user=admin, stored=stored)
            walls.append(phase.seconds)
            cpus.append(phase.cpu_seconds)
            queries.append(phase.queries)
            print(
                phase.line(
                    f"committed={report['committed']}, {len(report['created']):,} users, "
                    f"{len(mail.outbox):,} invitations sent"
                )
            )
        median = statistics.median(walls)
        print(
            f"{mode + ' median':<18}{median:8.1f}{statistics.median(cpus):8.1f}{'':>20}"
            f"{int(statistics.median(queries)):>9,}   of {args.repeat}: {median / count * 1000:.1f} ms per user; "
            f"wall min {min(walls):.1f} s, max {max(walls):.1f} s"
        )
    print(f"\nUsers: {User.objects.count():,}; load average {os.getloadavg()[0]:.1f} (the machine is shared).")


if __name__ == "__main__":
    main()
