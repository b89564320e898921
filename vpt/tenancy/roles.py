"""Roles and the single permission matrix of vpt.

Every check in views, APIs and navigation asks `has_perm(membership, Perm.X)`; nothing else
decides what a role may do. Later issues add permissions here, not in their own apps.
"""

from __future__ import annotations

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Organisation admin")  # everything within the organisation
    TEAM_MANAGER = "team_manager", _("Team manager")  # clients, arrangements, teams; reads budgets
    CLIENT_COACH = "client_coach", _("Client coach")  # level 3: their team's clients, visits, alarms
    CLIENT_SUPPORT = "client_support", _("Client support worker")  # level 2: as coach, fewer rights
    FINANCE = "finance", _("Finance")  # tariffs, runs, declarations, exports
    ZK_REVIEWER = "zk_reviewer", _("Zorgkantoor reviewer")  # zorgkantoor side: submitted reports only


class Perm(StrEnum):
    VIEW_DASHBOARD = "view_dashboard"
    MANAGE_MEMBERS = "manage_members"
    VIEW_MEMBERS = "view_members"
    VIEW_AUDIT_LOG = "view_audit_log"
    VIEW_CLIENTS = "view_clients"
    MANAGE_CLIENTS = "manage_clients"  # create clients, indications, assessments, start/end care
    UPDATE_CLIENT_CARE = "update_client_care"  # network notes and absences of visible clients
    IMPORT_CLIENTS = "import_clients"
    MANAGE_ARRANGEMENTS = "manage_arrangements"
    MANAGE_MENU = "manage_menu"  # the organisation's menu card and prices
    REGISTER_VISITS = "register_visits"  # register and confirm one's own visits
    PLAN_VISITS = "plan_visits"  # plan, register and correct visits of any employee of visible teams
    MANAGE_TEAMS = "manage_teams"  # teams, employees, fixed faces, rates per function level
    VIEW_CAPACITY = "view_capacity"  # capacity and realisation per team and week
    HANDLE_ALARMS = "handle_alarms"  # the alarm inbox: acknowledge, on site, resolve, enter by hand
    MANAGE_DEVICES = "manage_devices"  # a client's devices, with consent / Wzd decision
    MANAGE_ALARM_SETUP = "manage_alarm_setup"  # alarm centres and their keys, norms, escalation chain
    VIEW_ALARM_REPORTS = "view_alarm_reports"  # alarm KPIs per team and month, exports
    VIEW_BUDGETS = "view_budgets"
    MANAGE_FINANCE = "manage_finance"
    SUBMIT_REPORTS = "submit_reports"
    REVIEW_REPORTS = "review_reports"
    USE_API = "use_api"


_FIELD_WORK = {
    Perm.VIEW_DASHBOARD,
    Perm.VIEW_CLIENTS,
    Perm.UPDATE_CLIENT_CARE,
    Perm.REGISTER_VISITS,
    Perm.HANDLE_ALARMS,
    Perm.USE_API,
}

MATRIX: dict[str, frozenset[Perm]] = {
    Role.ADMIN: frozenset(Perm) - {Perm.REVIEW_REPORTS},
    Role.TEAM_MANAGER: frozenset(
        _FIELD_WORK
        | {Perm.MANAGE_CLIENTS, Perm.MANAGE_ARRANGEMENTS, Perm.VIEW_BUDGETS, Perm.VIEW_MEMBERS,
           Perm.PLAN_VISITS, Perm.MANAGE_TEAMS, Perm.VIEW_CAPACITY, Perm.MANAGE_DEVICES,
           Perm.VIEW_ALARM_REPORTS}
    ),
    Role.CLIENT_COACH: frozenset(_FIELD_WORK),
    Role.CLIENT_SUPPORT: frozenset(_FIELD_WORK),
    Role.FINANCE: frozenset(
        {
            Perm.VIEW_DASHBOARD,
            Perm.VIEW_CLIENTS,
            Perm.VIEW_BUDGETS,
            Perm.MANAGE_FINANCE,
            Perm.SUBMIT_REPORTS,
            Perm.VIEW_ALARM_REPORTS,
            Perm.USE_API,
        }
    ),
    Role.ZK_REVIEWER: frozenset({Perm.VIEW_DASHBOARD, Perm.REVIEW_REPORTS, Perm.USE_API}),
}

# Roles that see every client of the organisation; the others see their teams' clients.
ORGANISATION_WIDE_CLIENT_ROLES = frozenset({Role.ADMIN, Role.FINANCE})

# Which roles exist in which kind of organisation.
PROVIDER_ROLES = frozenset(
    {Role.ADMIN, Role.TEAM_MANAGER, Role.CLIENT_COACH, Role.CLIENT_SUPPORT, Role.FINANCE}
)
ZORGKANTOOR_ROLES = frozenset({Role.ZK_REVIEWER, Role.ADMIN})


def role_has_perm(role: str, perm: Perm) -> bool:
    return perm in MATRIX.get(role, frozenset())
