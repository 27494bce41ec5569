"""The audit sample and the review threshold: rates as configured, reproducible from the salt."""

from __future__ import annotations

import pytest

from wss_tui.store.revision import oversight

LAKH, CRORE = 1_00_000 * 100, 1_00_00_000 * 100  # paise
N = 20_000


def sampled_share(amount_paise: int, salt: str = "audit-test") -> float:
    return sum(oversight.is_sampled(i, amount_paise, salt) for i in range(1, N + 1)) / N


@pytest.mark.parametrize(
    "amount, rate",
    [(500 * 100, 0.01), (10 * LAKH, 0.01), (-(10 * LAKH), 0.01), (10 * LAKH + 1, 0.10), (1 * CRORE, 0.10),
     (1 * CRORE + 1, 1.0), (-(5 * CRORE), 1.0)],
)
def test_sampling_rates_by_band(amount, rate):
    assert oversight.audit_rate(amount) == rate
    share = sampled_share(amount)
    # Four standard deviations of a binomial share over N revisions: a fair draw stays inside.
    assert abs(share - rate) <= 4 * (rate * (1 - rate) / N) ** 0.5


def test_the_sample_is_rederived_from_id_and_salt_and_changes_with_the_salt():
    first = [oversight.is_sampled(i, 5 * LAKH, "office-secret") for i in range(1, 5_001)]
    again = [oversight.is_sampled(i, 5 * LAKH, "office-secret") for i in range(1, 5_001)]
    other = [oversight.is_sampled(i, 5 * LAKH, "another-secret") for i in range(1, 5_001)]
    assert first == again and sum(first) > 0
    assert first != other
    assert 0 <= oversight.audit_draw(1, "x") < 1


def test_the_configured_salt_is_overridden_by_the_offices_own(monkeypatch):
    monkeypatch.delenv("WSS_AUDIT_SALT", raising=False)
    shipped = [oversight.audit_draw(i) for i in range(1, 50)]
    monkeypatch.setenv("WSS_AUDIT_SALT", "kept-by-the-accounts-officer")
    assert [oversight.audit_draw(i) for i in range(1, 50)] == [
        oversight.audit_draw(i, "kept-by-the-accounts-officer") for i in range(1, 50)]
    assert [oversight.audit_draw(i) for i in range(1, 50)] != shipped


def test_review_from_one_lakh_either_way():
    assert not oversight.needs_review(1 * LAKH - 1)
    assert oversight.needs_review(1 * LAKH) and oversight.needs_review(-(1 * LAKH))
