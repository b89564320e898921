"""A complete figures dict (schema 1, see reports/figures.py) for tests of pages, PDFs and
the API that need a submitted report without computing one."""

from __future__ import annotations

import copy


def sample_figures(*, provider: str = "Zorgaanbieder", zorgkantoor: str = "Zorgkantoor", year: int = 2026,
                   quarter: int | None = 3) -> dict:
    first, last, days = {
        None: (f"{year}-01-01", f"{year}-12-31", 365),
        1: (f"{year}-01-01", f"{year}-03-31", 90),
        2: (f"{year}-04-01", f"{year}-06-30", 91),
        3: (f"{year}-07-01", f"{year}-09-30", 92),
        4: (f"{year}-10-01", f"{year}-12-31", 92),
    }[quarter]
    return copy.deepcopy({
        "schema": 1,
        "period": {"kind": "year" if quarter is None else "quarter", "year": year, "quarter": quarter,
                   "first": first, "last": last, "days": days,
                   "label": f"Q{quarter} {year}" if quarter else str(year)},
        "provider": {"name": provider, "agb_code": "12345678", "region": "Haaglanden"},
        "zorgkantoor": {"name": zorgkantoor},
        "contract": {"year": year, "production_agreement": "2500000.00", "percentage": "96.50",
                     "products": ["754", "755"]},
        "profiles": [
            {"code": "754", "short": "5VV", "label": "Beschermd wonen met intensieve dementiezorg"},
            {"code": "755", "short": "6VV", "label": "Beschermd wonen met intensieve verzorging en verpleging"},
        ],
        "clients": {
            "rows": [
                {"profile": "754", "at_start": 10, "started": 2, "ended": 1, "at_end": 11},
                {"profile": "755", "at_start": 5, "started": 1, "ended": 2, "at_end": 4},
            ],
            "total": {"at_start": 15, "started": 3, "ended": 3, "at_end": 15},
        },
        "production": {
            "rows": [
                {"profile": "754", "client_days": 980, "billable_days": 970, "earned": "244930.00",
                 "declared": "240000.00"},
                {"profile": "755", "client_days": 410, "billable_days": 400, "earned": "118000.00",
                 "declared": "118000.00"},
            ],
            "total": {"client_days": 1390, "billable_days": 1370, "earned": "362930.00", "declared": "358000.00"},
            "year": {"agreement": "2500000.00", "earned_to_date": "1100000.00", "declared_to_date": "1050000.00",
                     "through": last, "projected": "1480000.00", "used_pct": "44.0", "projected_pct": "59.2"},
        },
        "flow": {"inflow": 3, "outflow": {"nursing_home": 1, "deceased": 1, "other": 1}, "outflow_total": 3,
                 "net": 0},
        "hours": {
            "rows": [
                {"profile": "754", "client_days": 980, "client_weeks": "140.0", "planned_per_week": "9.5",
                 "delivered_per_week": "8.8"},
                {"profile": "755", "client_days": 410, "client_weeks": "58.6", "planned_per_week": "12.0",
                 "delivered_per_week": "12.4"},
            ],
            "total": {"client_days": 1390, "client_weeks": "198.6", "planned_per_week": "10.2",
                      "delivered_per_week": "9.9"},
        },
        "mantelzorg": {"clients": 15, "with_mantelzorger": 12, "share_pct": "80.0", "mantelzorgers": 19,
                       "estimated_hours_per_week": "64.5", "clients_with_mantelzorg_tasks": 9},
        "alarms": {"alarms": 120, "ack_median_min": 2.0, "ack_p90_min": 6.0, "on_site_median_min": 18.0,
                   "on_site_p90_min": 31.0, "ack_within_norm": 110, "ack_settled": 118, "ack_within_norm_pct": "93.2",
                   "on_site_within_norm": 40, "on_site_count": 44, "on_site_within_norm_pct": "90.9",
                   "escalated_alarms": 6, "escalation_steps": 8,
                   "months": [{"month": f"{year}-07", "alarms": 40, "ack_within_norm_pct": "92.5"},
                              {"month": f"{year}-08", "alarms": 38, "ack_within_norm_pct": "94.7"},
                              {"month": f"{year}-09", "alarms": 42, "ack_within_norm_pct": "92.9"}]},
        "respite": {"stays": 4, "clients": 3, "nights": 17},
    })
