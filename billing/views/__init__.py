"""Finance pages: the NZa tariff table, the provider's contracts with the zorgkantoor and the
iWlz start/end-of-care notifications."""

from billing.views.contracts import contract_create, contract_detail, contract_list
from billing.views.iwlz import notification_list, notification_mark_sent, notification_xml
from billing.views.tariffs import tariff_list

__all__ = [
    "contract_create", "contract_detail", "contract_list", "notification_list", "notification_mark_sent",
    "notification_xml", "tariff_list",
]
