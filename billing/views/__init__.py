"""Finance pages: the NZa tariff table and the provider's contracts with the zorgkantoor."""

from billing.views.contracts import contract_create, contract_detail, contract_list
from billing.views.tariffs import tariff_list

__all__ = ["contract_create", "contract_detail", "contract_list", "tariff_list"]
