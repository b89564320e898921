"""Generate the demo dataset: a zorgkantoor serving two regions, three providers, and a
user for every role. Later features extend this command with their own realistic data
(clients, arrangements, visits, alarms, runs) through `vpt.core.demo.register_seeder`.

Idempotent: when the demo organisations exist it only prints the logins (use --reset to
start over on an embedded database).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from faker import Faker

from vpt.audit.models import AccessLog
from vpt.audit.services import record_access
from vpt.core import demo
from vpt.tenancy.models import Membership, Organization, Region
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope

DEMO_PASSWORD = "demo-wachtwoord"  # noqa: S105 - printed on purpose, demo only

REGIONS = [("HGL", "Haaglanden", "5518"), ("ZHN", "Zuid-Holland Noord", "5517")]  # with their iWlz codes
ZORGKANTOOR = ("zorgkantoor-holland", "Zorgkantoor Holland Midden (demo)")


@dataclass(frozen=True)
class ProviderSpec:
    slug: str
    name: str
    agb: str
    region: str
    staff: dict[str, int]


PROVIDERS = [
    ProviderSpec("linde", "Thuiszorg De Linde", "73730001", "HGL",
                 {Role.ADMIN: 1, Role.TEAM_MANAGER: 2, Role.CLIENT_COACH: 4, Role.CLIENT_SUPPORT: 6, Role.FINANCE: 1}),
    ProviderSpec("duinrand", "Zorggroep Duinrand", "73730002", "HGL",
                 {Role.ADMIN: 1, Role.TEAM_MANAGER: 1, Role.CLIENT_COACH: 3, Role.CLIENT_SUPPORT: 4, Role.FINANCE: 1}),
    ProviderSpec("rijnland", "Wijkzorg Rijnland", "73730003", "ZHN",
                 {Role.ADMIN: 1, Role.TEAM_MANAGER: 2, Role.CLIENT_COACH: 3, Role.CLIENT_SUPPORT: 5, Role.FINANCE: 1}),
]

# The user name shown for the first user of each role (the login printed for it).
ROLE_LOGIN = {
    Role.ADMIN: "beheer",
    Role.TEAM_MANAGER: "teammanager",
    Role.CLIENT_COACH: "coach",
    Role.CLIENT_SUPPORT: "ondersteuner",
    Role.FINANCE: "financien",
    Role.ZK_REVIEWER: "beoordelaar",
}


class Command(BaseCommand):
    help = "Create the demo dataset (organisations, users for every role, later features' data)."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--reset", action="store_true", help="Delete the embedded (SQLite) database's data first.")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--size", choices=["small", "normal"], default="normal",
                            help="small: fewest rows that still show every screen (tests)")

    def handle(self, *args, reset: bool, seed: int, size: str, **options) -> None:  # noqa: ANN002, ANN003
        if reset:
            from django.db import connection

            if connection.vendor != "sqlite":
                raise CommandError("--reset is for the embedded SQLite database only")
            from django.core.management import call_command

            call_command("flush", interactive=False, verbosity=0)
        if Organization.objects.filter(slug=ZORGKANTOOR[0]).exists():
            self.stdout.write("Demo data already present.")
        else:
            self._generate(seed=seed, size=size)
        self._print_logins()

    @transaction.atomic
    def _generate(self, *, seed: int, size: str) -> None:
        rng = random.Random(seed)
        fake = Faker("nl_NL")
        fake.seed_instance(seed)
        User = get_user_model()

        zk = Organization.objects.create(slug=ZORGKANTOOR[0], name=ZORGKANTOOR[1], kind=Organization.Kind.ZORGKANTOOR)
        regions = {code: Region.objects.create(code=code, name=name, zorgkantoor=zk, iwlz_code=iwlz)
                   for code, name, iwlz in REGIONS}

        def make_user(username: str) -> object:
            first, last = fake.first_name(), fake.last_name()
            slug_last = "".join(ch for ch in last.lower() if ch.isalnum())
            return User.objects.create_user(
                username=username,
                password=DEMO_PASSWORD,
                first_name=first,
                last_name=last,
                email=f"{first.lower()}.{slug_last}@{username.split('@')[-1] if '@' in username else 'demo.vpt'}",
            )

        orgs: list[Organization] = []
        for spec in PROVIDERS:
            org = Organization.objects.create(
                slug=spec.slug, name=spec.name, kind=Organization.Kind.PROVIDER,
                agb_code=spec.agb, region=regions[spec.region],
            )
            orgs.append(org)
            admin_membership = None
            with tenant_scope(org):
                for role, count in spec.staff.items():
                    n = count if size == "normal" else 1
                    for i in range(n):
                        suffix = "" if i == 0 else str(i + 1)
                        user = make_user(f"{ROLE_LOGIN[role]}{suffix}@{spec.slug}.demo")
                        m = Membership.objects.create(user=user, organization=org, role=role)
                        if role == Role.ADMIN and admin_membership is None:
                            admin_membership = m
                        else:
                            record_access(action=AccessLog.Action.CREATE, membership=admin_membership, obj=m,
                                          description=f"demo: {user.get_username()} joined as {role}")

        zk_admin = None
        with tenant_scope(zk):
            for role, count in ((Role.ADMIN, 1), (Role.ZK_REVIEWER, 2 if size == "normal" else 1)):
                for i in range(count):
                    suffix = "" if i == 0 else str(i + 1)
                    user = make_user(f"{ROLE_LOGIN[role]}{suffix}@{ZORGKANTOOR[0]}.demo")
                    m = Membership.objects.create(user=user, organization=zk, role=role)
                    if zk_admin is None:
                        zk_admin = m

        # One person working for two providers, to show the organisation switcher.
        consultant = make_user("consulent@vpt.demo")
        Membership.objects.create(user=consultant, organization=orgs[0], role=Role.TEAM_MANAGER)
        Membership.objects.create(user=consultant, organization=orgs[2], role=Role.FINANCE)

        for seeder in demo.seeders():
            seeder(organizations=orgs, zorgkantoor=zk, rng=rng, fake=fake, size=size, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(f"Demo data created: {len(orgs)} providers, 1 zorgkantoor, {User.objects.count()} users."))

    def _print_logins(self) -> None:
        self.stdout.write("\nLog in at http://localhost:8000/ with password " + self.style.WARNING(DEMO_PASSWORD) + ":")
        rows = []
        for spec in PROVIDERS[:1]:
            for role in (Role.ADMIN, Role.TEAM_MANAGER, Role.CLIENT_COACH, Role.CLIENT_SUPPORT, Role.FINANCE):
                rows.append((Role(role).label, f"{ROLE_LOGIN[role]}@{spec.slug}.demo", spec.name))
        rows.append((Role.ZK_REVIEWER.label, f"{ROLE_LOGIN[Role.ZK_REVIEWER]}@{ZORGKANTOOR[0]}.demo", ZORGKANTOOR[1]))
        rows.append((Role.ADMIN.label, f"{ROLE_LOGIN[Role.ADMIN]}@{ZORGKANTOOR[0]}.demo", ZORGKANTOOR[1]))
        rows.append(("Two organisations", "consulent@vpt.demo", "De Linde (team manager) + Rijnland (finance)"))
        for label, login, org in rows:
            self.stdout.write(f"  {str(label):<28} {login:<38} {org}")
        self.stdout.write("  (other providers: replace @linde.demo by @duinrand.demo or @rijnland.demo)\n")
